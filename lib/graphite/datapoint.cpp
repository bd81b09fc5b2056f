#include "graphite/datapoint.h"

#include <fmt/format.h>

#include <charconv>
#include <cmath>

#include "core/json.h"
#include "graphite/template.h"

namespace ev::graphite {

void extract_datapoint(simdjson::dom::element event, const Clock& clock, Datapoint& out) {
    out.reason = {};
    simdjson::dom::element metric;
    if (event["metric"].get(metric) != simdjson::SUCCESS) {
        std::string_view type;
        bool is_metric = event["type"].get(type) == simdjson::SUCCESS && type == "metric";
        out.kind = is_metric ? Datapoint::Kind::bad : Datapoint::Kind::skip;
        out.reason = "metric event without a metric";
        return;
    }
    out.kind = Datapoint::Kind::bad;
    out.value.clear();
    switch (metric.type()) {
        case simdjson::dom::element_type::INT64:
            fmt::format_to(std::back_inserter(out.value), "{}", metric.get_int64().value_unsafe());
            break;
        case simdjson::dom::element_type::UINT64:
            fmt::format_to(std::back_inserter(out.value), "{}", metric.get_uint64().value_unsafe());
            break;
        case simdjson::dom::element_type::DOUBLE: {
            double d = metric.get_double().value_unsafe();
            if (!std::isfinite(d)) {
                out.reason = "metric is not a finite number";
                return;
            }
            write_number(d, out.value);
            break;
        }
        default:
            out.reason = "metric is not a finite number";
            return;
    }
    simdjson::dom::element time;
    if (event["time"].get(time) != simdjson::SUCCESS) {
        out.time = static_cast<int64_t>(std::floor(clock.now()));
    } else {
        double t = 0;
        if (time.type() == simdjson::dom::element_type::INT64) {
            t = static_cast<double>(time.get_int64().value_unsafe());
        } else if (time.type() == simdjson::dom::element_type::UINT64) {
            t = static_cast<double>(time.get_uint64().value_unsafe());
        } else if (time.type() == simdjson::dom::element_type::DOUBLE) {
            t = time.get_double().value_unsafe();
        } else {
            out.reason = "time is not a number";
            return;
        }
        // Whisper stores 32-bit timestamps; anything outside cannot be stored.
        if (!std::isfinite(t) || t < 0 || t >= 4294967296.0) {
            out.reason = "time is out of range";
            return;
        }
        out.time = static_cast<int64_t>(std::floor(t));
    }
    out.kind = Datapoint::Kind::point;
}

void append_line(std::string_view path, const Datapoint& point, std::string& out) {
    out.append(path);
    out += ' ';
    out.append(point.value);
    out += ' ';
    char digits[24];
    auto end = std::to_chars(digits, digits + sizeof digits, point.time).ptr;
    out.append(digits, static_cast<std::size_t>(end - digits));
    out += '\n';
}

bool is_carbon_line(std::string_view line) {
    std::size_t first = line.find(' ');
    std::size_t second = first == std::string_view::npos ? first : line.find(' ', first + 1);
    if (second == std::string_view::npos) {
        return false;
    }
    std::string_view path = line.substr(0, first);
    std::string_view value = line.substr(first + 1, second - first - 1);
    std::string_view time = line.substr(second + 1);
    if (path.empty() || path.front() == '.' || path.back() == '.' || path.find("..") != std::string_view::npos) {
        return false;
    }
    for (char c : path) {
        if (c != '.' && !is_part_byte(c)) {
            return false;
        }
    }
    if (value.empty() || value.find_first_not_of("0123456789+-.eE") != std::string_view::npos) {
        return false;
    }
    double number = 0;
    auto [value_end, value_error] = std::from_chars(value.data(), value.data() + value.size(), number);
    if (value_error != std::errc{} || value_end != value.data() + value.size() || !std::isfinite(number)) {
        return false;
    }
    if (time.empty() || time.size() > 10 || time.find_first_not_of("0123456789") != std::string_view::npos) {
        return false;
    }
    uint64_t seconds = 0;
    std::from_chars(time.data(), time.data() + time.size(), seconds);
    return seconds < (uint64_t{1} << 32);
}

}  // namespace ev::graphite
