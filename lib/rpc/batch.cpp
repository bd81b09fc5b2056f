#include "rpc/batch.h"

#include <charconv>
#include <cmath>

#include <fmt/format.h>

#include "core/escape.h"

namespace ev::rpc {

std::size_t Limit::of(std::size_t total) const {
    if (!percent) {
        return std::min(total, static_cast<std::size_t>(value));
    }
    return std::min(total, static_cast<std::size_t>(std::ceil(static_cast<double>(total) * value / 100.0)));
}

Result<Limit> parse_limit(std::string_view text) {
    Limit limit;
    std::string_view number = text;
    if (!number.empty() && number.back() == '%') {
        limit.percent = true;
        number.remove_suffix(1);
    }
    auto [ptr, ec] = std::from_chars(number.data(), number.data() + number.size(), limit.value);
    bool ok = !number.empty() && ec == std::errc() && ptr == number.data() + number.size() &&
              std::isfinite(limit.value) && limit.value > 0;
    if (ok && limit.percent) {
        ok = limit.value <= 100;
    } else if (ok) {
        ok = limit.value == std::floor(limit.value) && limit.value < 1e15;
    }
    if (!ok) {
        return make_error(fmt::format("bad limit '{}': expected a number of nodes N or a percentage P% (0 < P <= 100)",
                                      escape_prefix(text)));
    }
    return limit;
}

std::vector<std::vector<Target>> plan_batches(std::vector<Target> targets, std::optional<Limit> limit,
                                              std::size_t batch) {
    if (limit) {
        targets.resize(limit->of(targets.size()));
    }
    std::vector<std::vector<Target>> out;
    std::size_t size = batch == 0 ? targets.size() : batch;
    for (std::size_t i = 0; i < targets.size(); i += size) {
        auto end = targets.begin() + static_cast<std::ptrdiff_t>(std::min(targets.size(), i + size));
        out.emplace_back(targets.begin() + static_cast<std::ptrdiff_t>(i), end);
    }
    return out;
}

}  // namespace ev::rpc
