#include "nagios/text.h"

#include "core/utf8.h"

#include <fmt/format.h>

#include <charconv>

namespace ev::nagios {

std::string valid_utf8(std::string_view bytes) {
    return sanitize_utf8(bytes, true);
}

std::string_view trim(std::string_view bytes) {
    auto space = [](char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; };
    while (!bytes.empty() && space(bytes.front())) {
        bytes.remove_prefix(1);
    }
    while (!bytes.empty() && space(bytes.back())) {
        bytes.remove_suffix(1);
    }
    return bytes;
}

Result<std::size_t> parse_size(std::string_view text) {
    std::size_t value = 0;
    auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
    std::string_view unit(ptr, static_cast<std::size_t>(text.data() + text.size() - ptr));
    std::size_t scale = unit.empty() || unit == "B"                   ? 1
                        : unit == "K" || unit == "k" || unit == "KiB" ? 1024
                        : unit == "M" || unit == "MiB"                ? std::size_t{1} << 20
                                                                      : 0;
    if (ec != std::errc() || ptr == text.data() || scale == 0 || value == 0 || value > (std::size_t{1} << 30) / scale) {
        return make_error(fmt::format("bad size '{}' (bytes, or with K or M; 1 byte to 1G)", text));
    }
    return value * scale;
}

}  // namespace ev::nagios
