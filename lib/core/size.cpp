#include "core/size.h"

#include <fmt/format.h>

#include <charconv>

namespace ev {

namespace {

int shift_of(std::string_view unit) {
    if (unit.empty() || unit == "B") {
        return 0;
    }
    if (unit == "K" || unit == "k" || unit == "KiB") {
        return 10;
    }
    if (unit == "M" || unit == "m" || unit == "MiB") {
        return 20;
    }
    if (unit == "G" || unit == "g" || unit == "GiB") {
        return 30;
    }
    return -1;
}

}  // namespace

Result<uint64_t> parse_size(std::string_view text) {
    uint64_t value = 0;
    const char* end = text.data() + text.size();
    auto [ptr, ec] = std::from_chars(text.data(), end, value);
    int shift = ptr == text.data() || ec == std::errc::invalid_argument
                    ? -1
                    : shift_of(std::string_view(ptr, static_cast<std::size_t>(end - ptr)));
    if (shift < 0) {
        return make_error(fmt::format("'{}' is not a size (bytes, or with B, K, M, G, KiB, MiB or GiB)", text));
    }
    if (ec == std::errc::result_out_of_range || value > (UINT64_MAX >> shift)) {
        return make_error(fmt::format("size '{}' is too large", text));
    }
    return value << shift;
}

std::string format_size(uint64_t bytes) {
    static constexpr const char* k_units[] = {"G", "M", "K"};
    for (int i = 0; i < 3; ++i) {
        int shift = 30 - 10 * i;
        if (bytes != 0 && bytes % (uint64_t{1} << shift) == 0) {
            return fmt::format("{}{}", bytes >> shift, k_units[i]);
        }
    }
    return fmt::format("{}", bytes);
}

}  // namespace ev
