#include "batch/group.h"

#include <fmt/format.h>

#include <cmath>
#include <memory>
#include <optional>

#include "batch/grouper.h"
#include "batch/key.h"
#include "batch/process.h"
#include "batch/result.h"
#include "core/duration.h"
#include "core/exit_code.h"
#include "core/id.h"
#include "core/json.h"
#include "core/signals.h"
#include "core/writer.h"

namespace ev::batch {

namespace {

Result<double> duration_option(const char* option, const std::string& text) {
    auto d = parse_duration(text);
    if (!d) {
        return make_error(fmt::format("{}: {}", option, d.error()));
    }
    return *d;
}

// The state of a status event: `state`, else `severity`; nothing when it has neither.
enum class StateField { ok, missing, bad };
StateField read_state(simdjson::dom::element root, State& state) {
    simdjson::dom::object obj = root.get_object().value_unsafe();
    std::string_view name;
    auto field = obj["state"];
    if (field.error() == simdjson::SUCCESS) {
        if (field.get_string().get(name) != simdjson::SUCCESS) {
            return StateField::bad;
        }
        auto parsed = parse_state(name);
        if (!parsed) {
            return StateField::bad;
        }
        state = *parsed;
        return StateField::ok;
    }
    int64_t severity = 0;
    auto sev = obj["severity"];
    if (sev.error() == simdjson::SUCCESS) {
        auto parsed = sev.get_int64().get(severity) == simdjson::SUCCESS ? state_from_severity(severity) : std::nullopt;
        if (!parsed) {
            return StateField::bad;
        }
        state = *parsed;
        return StateField::ok;
    }
    return StateField::missing;
}

std::string_view string_or_empty(simdjson::dom::element root, const char* key) {
    std::string_view s;
    if (root[key].get_string().get(s) != simdjson::SUCCESS) {
        return {};
    }
    return s;
}

Json alert_event(const Notification& n, const std::string& id) {
    Json members = Json::array();
    for (const NotifiedMember& m : n.members) {
        Json member = Json::object();
        member.set("subject", Json(m.subject));
        if (m.name != n.name) {
            member.set("name", Json(m.name));
        }
        member.set("state", Json(state_name(m.state)));
        if (!m.id.empty()) {
            member.set("id", Json(m.id));
        }
        members.push_back(std::move(member));
    }
    Json data = Json::object();
    data.set("count", Json(static_cast<uint64_t>(n.firing)));
    data.set("members", std::move(members));
    Json event = Json::object();
    event.set("id", Json(id));
    event.set("time", Json(n.time));
    event.set("type", Json("alert"));
    event.set("subject", Json(n.key));
    event.set("name", Json(n.name));
    event.set("state", Json(state_name(n.state)));
    event.set("message", Json(notification_message(n)));
    event.set("source", Json("evbatch"));
    event.set("data", std::move(data));
    if (n.previous) {
        event.set("previous", Json(state_name(*n.previous)));
    }
    event.set("reason", Json(n.reason));
    event.set("since", Json(n.since));
    return event;
}

// Sends notifications: summary alerts, or one command run each.
class Notifier {
public:
    Notifier(const GroupOptions& options, double timeout, double kill_after, Writer& out, IdGenerator& ids,
             ManualClock* event_clock)
        : m_options(options),
          m_timeout(timeout),
          m_out(out),
          m_ids(ids),
          m_event_clock(event_clock),
          m_name(options.name.empty() && !options.command.empty() ? command_basename(options.command[0])
                                                                  : options.name) {
        if (!options.command.empty()) {
            m_gate = std::make_unique<SignalGate>(std::vector<int>{});
            m_runner = std::make_unique<Runner>(*m_gate, options.output_limit, kill_after);
        }
    }

    void send(const Notification& n) {
        if (m_event_clock != nullptr) {
            m_event_clock->set(n.time);
        }
        if (!m_runner) {
            write_canonical(alert_event(n, m_ids.next()), m_out.buffer());
            m_out.end_line();
            return;
        }
        SpawnRequest request;
        request.argv = m_options.command;
        request.env = {"EV_GROUP=" + n.key, fmt::format("EV_COUNT={}", n.firing),
                       "EV_STATE=" + std::string(state_name(n.state)), "EV_REASON=" + n.reason, "EV_NAME=" + n.name};
        for (const NotifiedMember& m : n.members) {
            request.input += m.line;
            request.input += '\n';
        }
        request.timeout = m_timeout;
        (void)m_out.flush();
        m_runner->start(request);
        std::vector<Finished> done;
        while (done.empty()) {
            if (signals::stop_count() >= 2) {
                m_runner->kill_all(true);
            }
            m_runner->wait(-1);
            done = m_runner->take_finished();
        }
        const Finished& f = done.front();
        if (!succeeded(f)) {
            ++m_failures;
        }
        double time = m_event_clock != nullptr ? n.time : wall_clock().now();
        ResultContext ctx{n.key, m_name, {}, m_ids.next(), time, m_timeout};
        write_canonical(result_event(f, ctx), m_out.buffer());
        m_out.end_line();
    }

    std::size_t failures() const { return m_failures; }

private:
    const GroupOptions& m_options;
    double m_timeout;
    Writer& m_out;
    IdGenerator& m_ids;
    ManualClock* m_event_clock;
    std::string m_name;
    std::unique_ptr<SignalGate> m_gate;
    std::unique_ptr<Runner> m_runner;
    std::size_t m_failures = 0;
};

}  // namespace

int run_group(const GroupOptions& options, int out_fd, Diagnostics& diag) {
    GroupTiming timing;
    double timeout = 0;
    double kill_after = 5;
    bool event_time = options.clock == "event";
    if (!event_time && options.clock != "wall") {
        diag.error(fmt::format("--clock '{}': expected wall or event", options.clock));
        return exit_code::k_usage;
    }
    for (auto [option, text, target] : {std::tuple{"--wait", &options.wait, &timing.wait},
                                        std::tuple{"--interval", &options.interval, &timing.interval},
                                        std::tuple{"--repeat", &options.repeat, &timing.repeat},
                                        std::tuple{"--kill-after", &options.kill_after, &kill_after}}) {
        auto d = duration_option(option, *text);
        if (!d) {
            diag.error(d.error());
            return exit_code::k_usage;
        }
        *target = *d;
    }
    if (timing.interval <= 0) {
        diag.error("--interval: must be more than 0");
        return exit_code::k_usage;
    }
    if (!options.timeout.empty()) {
        auto d = duration_option("--timeout", options.timeout);
        if (!d) {
            diag.error(d.error());
            return exit_code::k_usage;
        }
        timeout = *d;
    }
    timing.send_resolved = !options.no_resolve;

    ManualClock event_clock;
    const Clock& clock = event_time ? static_cast<const Clock&>(event_clock) : wall_clock();
    auto key = GroupKey::parse(options.by, clock);
    if (!key) {
        diag.error(key.error());
        return exit_code::k_usage;
    }
    Input input(options.input, diag);
    if (auto opened = input.open(); !opened) {
        diag.error(opened.error());
        return exit_code::k_io;
    }
    Writer out(out_fd);
    input.set_idle([&out] { (void)out.flush(); });
    // On event time, ids come from the events' clock and a fixed seed: the
    // same input gives the same bytes.
    std::unique_ptr<IdGenerator> ids =
        event_time ? std::make_unique<IdGenerator>(event_clock, 0) : std::make_unique<IdGenerator>(wall_clock());
    Notifier notifier(options, timeout, kill_after, out, *ids, event_time ? &event_clock : nullptr);
    Grouper grouper(timing);
    std::vector<Notification> due;
    auto send_due = [&] {
        for (const Notification& n : due) {
            notifier.send(n);
        }
        due.clear();
    };

    std::string key_text;
    double now = 0;
    bool have_time = false;
    Record record;
    while (!signals::stop_requested() && !out.broken()) {
        int timeout_ms = -1;
        if (!event_time) {
            if (auto next = grouper.next_due()) {
                timeout_ms = static_cast<int>(std::ceil(std::max(0.0, *next - wall_clock().now()) * 1000));
            }
        }
        Input::Next got = input.next(record, timeout_ms);
        if (got == Input::Next::end) {
            break;
        }
        if (!event_time) {
            now = wall_clock().now();
            have_time = true;
            grouper.advance(now, due);
            send_due();
        }
        if (got == Input::Next::timeout) {
            continue;
        }
        State state = State::ok;
        StateField got_state = read_state(record.root, state);
        if (got_state == StateField::missing) {
            continue;  // not a status (a metric, say): nothing to group
        }
        if (got_state == StateField::bad) {
            input.reject(record, "bad state or severity");
            continue;
        }
        std::string_view subject = string_or_empty(record.root, "subject");
        if (subject.empty()) {
            input.reject(record, "status without a subject");
            continue;
        }
        if (event_time) {
            double t = 0;
            if (record.root["time"].get_double().get(t) != simdjson::SUCCESS || !std::isfinite(t)) {
                input.reject(record, "no time field (--clock event)");
                continue;
            }
            // Event time never runs backwards: a late event counts at the latest time seen.
            if (!have_time || t > now) {
                now = t;
                have_time = true;
            }
            event_clock.set(now);
            grouper.advance(now, due);
            send_due();
        }
        key->build(record.root, state_name(state), key_text);
        grouper.add(key_text, subject, string_or_empty(record.root, "name"), state, string_or_empty(record.root, "id"),
                    record.line, now);
    }
    input.finish();
    if (!event_time) {
        now = wall_clock().now();
    }
    grouper.flush(now, due);
    send_due();
    (void)out.flush();
    if (out.failed()) {
        diag.error(out.error());
        return exit_code::k_io;
    }
    if (input.fatal()) {
        return exit_code::k_bad_input;
    }
    if (input.io_failed()) {
        return exit_code::k_io;
    }
    return notifier.failures() > 0 ? exit_code::k_no_match : exit_code::k_ok;
}

}  // namespace ev::batch
