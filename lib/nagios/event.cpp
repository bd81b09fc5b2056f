#include "nagios/event.h"

#include <cmath>

#include "core/state.h"
#include "nagios/text.h"

namespace ev::nagios {

namespace {

void add_identity(Json& event, const CheckInfo& check, double time, IdGenerator& ids, std::string_view type,
                  std::string_view name) {
    event.set("id", ids.next());
    event.set("time", time);
    event.set("type", type);
    event.set("subject", check.subject);
    event.set("name", name);
}

void add_tail(Json& event, const CheckInfo& check) {
    if (check.tags.is_object() && !check.tags.members().empty()) {
        event.set("tags", check.tags);
    }
}

// Durations to the microsecond: more digits are noise and make lines longer.
double round_us(double seconds) {
    return std::round(seconds * 1e6) / 1e6;
}

}  // namespace

void write_metric_event(const CheckInfo& check, const PerfItem& item, double time, IdGenerator& ids, Sink& out) {
    if (!item.value) {
        return;
    }
    Json event = Json::object();
    add_identity(event, check, time, ids, "metric", valid_utf8(check.name + "." + item.label));
    event.set("metric", *item.value);
    if (!item.unit.empty()) {
        event.set("unit", valid_utf8(item.unit));
    }
    add_tail(event, check);
    event.set("source", "nagios");
    write_canonical(event, out.buffer());
    out.end_line();
}

void write_run_events(const CheckInfo& check, const Verdict& verdict, const RunRecord& run, bool metrics,
                      IdGenerator& ids, Sink& out) {
    const Perfdata& perf = verdict.output.perfdata;
    Json event = Json::object();
    add_identity(event, check, run.time, ids, "status", check.name);
    event.set("state", state_name(verdict.state));
    event.set("severity", severity_of(verdict.state));
    if (!perf.items.empty() && perf.items.front().value) {
        event.set("metric", *perf.items.front().value);
        if (!perf.items.front().unit.empty()) {
            event.set("unit", valid_utf8(perf.items.front().unit));
        }
    }
    event.set("message", verdict.message);
    add_tail(event, check);
    if (check.ttl) {
        event.set("ttl", round_us(*check.ttl));
    }
    event.set("source", "nagios");
    Json data = Json::object();
    data.set("long_output", verdict.output.long_output);
    data.set("exit_code", verdict.exit_code ? Json(*verdict.exit_code) : Json());
    data.set("duration", round_us(run.duration));
    Json items = Json::array();
    for (const PerfItem& item : perf.items) {
        items.push_back(perf_item_json(item));
    }
    data.set("perfdata", std::move(items));
    if (!perf.problems.empty()) {
        Json problems = Json::array();
        for (const std::string& p : perf.problems) {
            problems.push_back(p);
        }
        data.set("perfdata_errors", std::move(problems));
    }
    if (!verdict.replaced_text.empty()) {
        data.set("output", verdict.replaced_text);
    }
    if (run.end.kind == RunEnd::Kind::signaled) {
        data.set("signal", run.end.signal);
    }
    if (run.end.kind == RunEnd::Kind::timed_out) {
        data.set("timed_out", true);
    }
    if (run.truncated) {
        data.set("truncated", true);
    }
    if (std::string_view err = trim(run.err); !err.empty()) {
        data.set("stderr", valid_utf8(err));
    }
    event.set("data", std::move(data));
    write_canonical(event, out.buffer());
    out.end_line();
    if (metrics) {
        for (const PerfItem& item : perf.items) {
            write_metric_event(check, item, run.time, ids, out);
        }
    }
}

}  // namespace ev::nagios
