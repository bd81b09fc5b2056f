#include "nagios/range.h"

#include <fmt/format.h>

#include "core/escape.h"
#include "nagios/number.h"

namespace ev::nagios {

bool Range::alert(double value) const {
    bool in = (start_infinite || value >= start) && (end_infinite || value <= end);
    return inside ? in : !in;
}

Result<Range> parse_range(std::string_view text) {
    Range range;
    std::string_view rest = text;
    if (rest.empty()) {
        return make_error("empty range");
    }
    if (rest.front() == '@') {
        range.inside = true;
        rest.remove_prefix(1);
    }
    std::size_t colon = rest.find(':');
    std::string_view start_text;
    std::string_view end_text = rest;
    if (colon != std::string_view::npos) {
        start_text = rest.substr(0, colon);
        end_text = rest.substr(colon + 1);
        if (start_text == "~") {
            range.start_infinite = true;
        } else if (!start_text.empty()) {
            auto start = parse_number(start_text);
            if (!start) {
                return make_error(fmt::format("bad range start '{}'", escape_prefix(start_text)));
            }
            range.start = *start;
        }
    }
    if (end_text.empty()) {
        if (colon == std::string_view::npos) {
            return make_error("empty range");
        }
        range.end_infinite = true;
    } else {
        auto end = parse_number(end_text);
        if (!end) {
            return make_error(fmt::format("bad range end '{}'", escape_prefix(end_text)));
        }
        range.end = *end;
    }
    if (!range.start_infinite && !range.end_infinite && range.start > range.end) {
        return make_error(
            fmt::format("range start {} is above its end {}", escape_prefix(start_text), escape_prefix(end_text)));
    }
    return range;
}

}  // namespace ev::nagios
