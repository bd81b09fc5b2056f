#include "graphite/datapoint.h"

#include <fmt/format.h>

#include <charconv>
#include <cmath>

#include "core/json.h"

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

}  // namespace ev::graphite
