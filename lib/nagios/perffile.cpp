#include "nagios/perffile.h"

#include <fmt/format.h>

#include "core/escape.h"

#include "nagios/event.h"
#include "nagios/number.h"
#include "nagios/perfdata.h"
#include "nagios/text.h"

namespace ev::nagios {

namespace {

std::vector<std::string_view> split_tabs(std::string_view line) {
    std::vector<std::string_view> out;
    std::size_t begin = 0;
    while (true) {
        std::size_t tab = line.find('\t', begin);
        if (tab == std::string_view::npos) {
            out.push_back(line.substr(begin));
            return out;
        }
        out.push_back(line.substr(begin, tab - begin));
        begin = tab + 1;
    }
}

// TIMET is epoch seconds from 1970-01-01 up to the end of 9999-12-31 (UTC):
// the years an ISO 8601 date can name, and far inside what a double and the
// tools downstream hold exactly.
constexpr double k_timet_end = 253402300800.0;

Result<double> parse_timet(std::string_view text) {
    auto t = parse_number(text);  // finite numbers only: no NaN, no inf
    if (!t) {
        return make_error(fmt::format("bad TIMET '{}': not a number", escape_prefix(text)));
    }
    if (!(*t >= 0 && *t < k_timet_end)) {
        return make_error(
            fmt::format("bad TIMET '{}': not a time from 1970 to 9999 (0 to 253402300799)", escape_prefix(text)));
    }
    return *t + 0.0;  // -0 is 0
}

Result<PerfLine> parse_pnp(const std::vector<std::string_view>& parts) {
    PerfLine line;
    std::string datatype;
    bool have_time = false;
    std::string state_text;
    for (std::string_view part : parts) {
        std::size_t sep = part.find("::");
        if (sep == std::string_view::npos) {
            return make_error(fmt::format("field '{}' is not KEY::VALUE", escape_prefix(part)));
        }
        std::string key = valid_utf8(part.substr(0, sep));
        std::string value = valid_utf8(part.substr(sep + 2));
        if (key == "DATATYPE") {
            datatype = value;
        } else if (key == "TIMET") {
            auto t = parse_timet(value);
            if (!t) {
                return std::move(t).take_error();
            }
            line.time = *t;
            have_time = true;
        } else if (key == "HOSTNAME") {
            line.host = value;
        } else if (key == "SERVICEDESC") {
            line.service = value;
        }
        line.fields.emplace_back(std::move(key), std::move(value));
    }
    if (datatype != "SERVICEPERFDATA" && datatype != "HOSTPERFDATA") {
        return make_error(datatype.empty() ? "no DATATYPE field"
                                           : fmt::format("unknown DATATYPE '{}'", escape_prefix(datatype)));
    }
    bool host = datatype == "HOSTPERFDATA";
    // Fields may come in any order: pick the ones of this DATATYPE.
    for (const auto& [k, v] : line.fields) {
        if (k == (host ? "HOSTPERFDATA" : "SERVICEPERFDATA")) {
            line.perfdata = v;
        } else if (k == (host ? "HOSTOUTPUT" : "SERVICEOUTPUT")) {
            line.output = v;
        } else if (k == (host ? "HOSTSTATE" : "SERVICESTATE")) {
            state_text = v;
        }
    }
    if (!have_time) {
        return make_error("no TIMET field");
    }
    if (line.host.empty()) {
        return make_error("no HOSTNAME field");
    }
    if (host) {
        line.service = "host";
    } else if (line.service.empty()) {
        return make_error("no SERVICEDESC field");
    }
    if (!state_text.empty()) {
        line.state = parse_nagios_state(state_text, host);
        if (!line.state) {
            return make_error(fmt::format("unknown state '{}'", escape_prefix(state_text)));
        }
    }
    return line;
}

Result<PerfLine> parse_positional(const std::vector<std::string_view>& parts) {
    PerfLine line;
    bool host = parts[0] == "[HOSTPERFDATA]";
    std::size_t want = host ? 6 : 8;
    if (parts.size() != want) {
        return make_error(fmt::format("{} has {} fields, expected {}", parts[0], parts.size(), want));
    }
    auto t = parse_timet(parts[1]);
    if (!t) {
        return std::move(t).take_error();
    }
    line.time = *t;
    line.host = valid_utf8(parts[2]);
    if (line.host.empty()) {
        return make_error("empty host name");
    }
    if (host) {
        line.service = "host";
        line.output = valid_utf8(parts[4]);
        line.perfdata = std::string(parts[5]);
    } else {
        line.service = valid_utf8(parts[3]);
        if (line.service.empty()) {
            return make_error("empty service description");
        }
        line.output = valid_utf8(parts[6]);
        line.perfdata = std::string(parts[7]);
    }
    return line;
}

}  // namespace

std::optional<State> parse_nagios_state(std::string_view text, bool host) {
    if (host) {
        if (text == "UP" || text == "0") {
            return State::ok;
        }
        if (text == "DOWN" || text == "UNREACHABLE" || text == "1" || text == "2") {
            return State::critical;
        }
        return std::nullopt;
    }
    if (text == "OK" || text == "0") {
        return State::ok;
    }
    if (text == "WARNING" || text == "1") {
        return State::warning;
    }
    if (text == "CRITICAL" || text == "2") {
        return State::critical;
    }
    if (text == "UNKNOWN" || text == "3") {
        return State::unknown;
    }
    return std::nullopt;
}

Result<PerfLine> parse_perf_line(std::string_view line) {
    if (!line.empty() && line.back() == '\r') {
        line.remove_suffix(1);
    }
    std::vector<std::string_view> parts = split_tabs(line);
    if (parts[0] == "[SERVICEPERFDATA]" || parts[0] == "[HOSTPERFDATA]") {
        return parse_positional(parts);
    }
    if (parts[0].find("::") != std::string_view::npos) {
        return parse_pnp(parts);
    }
    return make_error("neither a PNP4Nagios KEY::VALUE line nor a [SERVICEPERFDATA]/[HOSTPERFDATA] line");
}

std::vector<std::string> write_perf_line_events(const PerfLine& line, bool metrics, IdGenerator& ids, Sink& out) {
    Perfdata perf = parse_perfdata(line.perfdata);
    CheckInfo check;
    check.name = line.service;
    check.subject = line.host;
    if (line.state) {
        Json event = Json::object();
        event.set("id", ids.next());
        event.set("time", line.time);
        event.set("type", "status");
        event.set("subject", line.host);
        event.set("name", line.service);
        event.set("state", state_name(*line.state));
        event.set("severity", severity_of(*line.state));
        if (!perf.items.empty() && perf.items.front().value) {
            event.set("metric", *perf.items.front().value);
            if (!perf.items.front().unit.empty()) {
                event.set("unit", valid_utf8(perf.items.front().unit));
            }
        }
        if (!line.output.empty()) {
            event.set("message", line.output);
        }
        event.set("source", "nagios");
        Json data = Json::object();
        Json items = Json::array();
        for (const PerfItem& item : perf.items) {
            items.push_back(perf_item_json(item));
        }
        data.set("perfdata", std::move(items));
        Json fields = Json::object();
        for (const auto& [k, v] : line.fields) {
            fields.set(k, v);
        }
        data.set("fields", std::move(fields));
        event.set("data", std::move(data));
        write_canonical(event, out.buffer());
        out.end_line();
    }
    if (metrics) {
        for (const PerfItem& item : perf.items) {
            write_metric_event(check, item, line.time, ids, out);
        }
    }
    return perf.problems;
}

}  // namespace ev::nagios
