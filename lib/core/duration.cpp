#include "core/duration.h"

#include <charconv>
#include <cmath>

#include <fmt/format.h>

namespace ev {

Result<double> parse_duration(std::string_view text) {
    std::size_t unit_at = text.size();
    while (unit_at > 0 && ((text[unit_at - 1] >= 'a' && text[unit_at - 1] <= 'z'))) {
        --unit_at;
    }
    std::string_view number = text.substr(0, unit_at);
    std::string_view unit = text.substr(unit_at);
    double value = 0;
    auto [ptr, ec] = std::from_chars(number.data(), number.data() + number.size(), value);
    if (number.empty() || ec != std::errc() || ptr != number.data() + number.size() || !std::isfinite(value) ||
        value < 0) {
        return make_error(
            fmt::format("bad duration '{}': expected a number with an optional unit ms, s, m, h, d, w", text));
    }
    double scale = 1;
    if (unit.empty() || unit == "s") {
        scale = 1;
    } else if (unit == "ms") {
        scale = 0.001;
    } else if (unit == "m") {
        scale = 60;
    } else if (unit == "h") {
        scale = 3600;
    } else if (unit == "d") {
        scale = 86400;
    } else if (unit == "w") {
        scale = 604800;
    } else {
        return make_error(fmt::format("bad duration '{}': unknown unit '{}' (use ms, s, m, h, d or w)", text, unit));
    }
    return value * scale;
}

std::string format_duration(double seconds) {
    struct Unit {
        const char* name;
        double scale;
    };
    static constexpr Unit k_units[] = {{"w", 604800}, {"d", 86400}, {"h", 3600}, {"m", 60}, {"s", 1}};
    if (seconds > 0) {
        for (const Unit& u : k_units) {
            double n = seconds / u.scale;
            if (n >= 1 && n == std::floor(n)) {
                return fmt::format("{}{}", n, u.name);
            }
        }
        return fmt::format("{}ms", seconds * 1000);
    }
    return "0s";
}

}  // namespace ev
