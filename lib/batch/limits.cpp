#include "batch/limits.h"

#include <fmt/format.h>

#include <charconv>
#include <cmath>

#include "core/duration.h"

namespace ev::batch {

namespace {

bool parse_number(std::string_view text, double& out) {
    if (text.empty()) {
        return false;
    }
    auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), out);
    return ec == std::errc() && ptr == text.data() + text.size() && std::isfinite(out);
}

}  // namespace

Result<Rate> parse_rate(std::string_view text) {
    Rate rate;
    auto slash = text.find('/');
    std::string_view count = text.substr(0, slash);
    if (!parse_number(count, rate.count) || rate.count <= 0) {
        return make_error(fmt::format("bad rate '{}': expected N/DURATION with N > 0, like 10/1m", text));
    }
    if (slash != std::string_view::npos) {
        std::string_view per = text.substr(slash + 1);
        // "5/s" reads as "5/1s".
        std::string unit_only = per.empty() || (per[0] >= '0' && per[0] <= '9') || per[0] == '.'
                                    ? std::string(per)
                                    : "1" + std::string(per);
        auto period = parse_duration(unit_only);
        if (!period || *period <= 0) {
            return make_error(fmt::format("bad rate '{}': expected N/DURATION with DURATION > 0, like 10/1m", text));
        }
        rate.period = *period;
    }
    return rate;
}

Result<MaxFail> parse_max_fail(std::string_view text) {
    MaxFail limit;
    if (!text.empty() && text.back() == '%') {
        limit.percent = true;
        if (!parse_number(text.substr(0, text.size() - 1), limit.value) || limit.value < 0 || limit.value > 100) {
            return make_error(fmt::format("bad --max-fail '{}': expected N or P% with P from 0 to 100", text));
        }
        return limit;
    }
    if (!parse_number(text, limit.value) || limit.value < 0 || limit.value != std::floor(limit.value)) {
        return make_error(fmt::format("bad --max-fail '{}': expected N or P% with P from 0 to 100", text));
    }
    return limit;
}

}  // namespace ev::batch
