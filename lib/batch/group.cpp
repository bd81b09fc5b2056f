#include "batch/group.h"

#include <poll.h>

#include <fmt/format.h>

#include <algorithm>
#include <climits>
#include <cmath>
#include <deque>
#include <limits>
#include <memory>
#include <optional>

#include "batch/acks.h"
#include "batch/action.h"
#include "batch/grouper.h"
#include "batch/inhibit.h"
#include "batch/key.h"
#include "batch/result.h"
#include "batch/silences.h"
#include "core/child_set.h"
#include "core/clock.h"
#include "core/duration.h"
#include "core/exit_code.h"
#include "core/json.h"
#include "core/notify.h"
#include "core/recent_ids.h"
#include "core/self_status.h"
#include "core/signals.h"

namespace ev::batch {

namespace {

// Records handled per turn of the loop, between looks at timers and signals.
constexpr int k_burst = 4096;
// A source without a descriptor to poll is asked again this often.
constexpr int k_no_fd_retry_ms = 50;
constexpr double k_never = std::numeric_limits<double>::infinity();

// A poll timeout in milliseconds until when (-1: never), at most limit (-1: none).
int ms_until(double when, double now, int limit) {
    if (when == k_never) {
        return limit;
    }
    double ms = std::ceil(std::max(0.0, when - now) * 1000);
    int wait = ms >= static_cast<double>(INT_MAX) ? INT_MAX : static_cast<int>(ms);
    return limit >= 0 ? std::min(wait, limit) : wait;
}

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
        if (!m.moved_to.empty()) {
            member.set("moved_to", Json(m.moved_to));
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

// The timings and limits, checked once before anything runs.
struct GroupPlan {
    GroupTiming timing;
    ActionPolicy action;
    double drain = 10;
    bool event_time = false;
    std::vector<InhibitRule> inhibit;  // the --inhibit rules (those of --inhibit-rules are read at each load)
};

// The type of a silence event in the stream.
constexpr std::string_view k_silence_type = "silence";

// All inhibit rules: the --inhibit ones, then the file's.
Result<Inhibitor> load_inhibitor(const GroupOptions& options, const GroupPlan& plan, const Clock& clock) {
    std::vector<InhibitRule> rules = plan.inhibit;
    if (!options.inhibit_rules.empty()) {
        auto more = read_inhibit_rules(options.inhibit_rules);
        if (!more) {
            return std::move(more).take_error();
        }
        rules.insert(rules.end(), more->begin(), more->end());
    }
    return Inhibitor::compile(rules, clock);
}

// One run of group mode: one event loop over the input's descriptor, the
// command run's, the group timers and the signals. Notifications go out in
// order; with a command, one run at a time while the input waits, so a
// notification's runs never overlap and, on event time, the same input
// gives the same bytes.
class GroupRun {
public:
    GroupRun(const GroupOptions& options, const GroupPlan& plan, GroupKey& key, ManualClock& event_clock,
             const Clock& clock, SilenceSet silences, Inhibitor inhibitor, Input& input, Sink& out, Diagnostics& diag)
        : m_options(options),
          m_plan(plan),
          m_key(key),
          m_event_clock(event_clock),
          m_input(input),
          m_out(out),
          m_diag(diag),
          m_acks(out, input),
          m_grouper(plan.timing),
          m_name(options.name.empty() && !options.command.empty() ? command_basename(options.command[0])
                                                                  : options.name),
          m_command_text(command_text(options.command)),
          m_clock(clock),
          m_silences(std::move(silences)),
          m_inhibitor(std::move(inhibitor)) {
        m_grouper.set_acks(&m_acks);
        m_grouper.set_muter(
            [this](std::string_view, std::string_view, std::string_view line, double now) { return muted(line, now); });
    }

    int run() {
        if (auto opened = m_input.open(); !opened) {
            m_diag.error(opened.error());
            return exit_code::k_io;
        }
        register_stats();
        m_stats.start(m_options.stats.interval);
        notify::ready();
        for (;;) {
            take_signals();
            if (m_stats.due()) {
                write_stats();
                write_self(m_reload_status.repeat());
            }
            read_input();
            if (!m_plan.event_time) {
                m_now = wall_clock().now();
                m_grouper.advance(m_now, m_due);
                queue_due();
            }
            if ((m_input_done || m_stopping) && !m_flushed) {
                // End of input, or a stop: every group with news notifies now.
                m_input.finish();
                if (!m_plan.event_time) {
                    m_now = wall_clock().now();
                }
                m_grouper.flush(m_now, m_due);
                queue_due();
                m_flushed = true;
            }
            take_results();
            check_drain();
            send_queued();
            flush_output();
            if (m_flushed && m_queue.empty() && !m_current) {
                break;
            }
            wait();
        }
        notify::stopping();
        if (m_stats.enabled()) {
            write_stats();  // the same counters once at exit
            flush_output();
        }
        if (m_not_sent > 0) {
            m_diag.error(fmt::format("stopped: {} notification{} not sent", m_not_sent, m_not_sent == 1 ? "" : "s"));
        }
        if (auto code = ending_exit_code(m_input, m_out, m_diag)) {
            return *code;
        }
        return m_failures > 0 || m_not_sent > 0 ? exit_code::k_no_match : exit_code::k_ok;
    }

private:
    // Input waits while notifications are due: they go out in order first.
    bool reading() const { return !m_input_done && !m_stopping && m_queue.empty() && !m_current; }

    // The signal regime's stop (SIGTERM; SIGINT, or when input is a pipe
    // that drains, a second SIGINT) stops reading: pending groups notify,
    // command runs get --drain-timeout. A stop signal after that kills the
    // command run and sends no more command notifications.
    void take_signals() {
        if (signals::take_reload()) {
            reload();
        }
        if (!m_stopping && (signals::stop_requested() || m_out.ended() || m_out.failed())) {
            stop_reading();
            return;
        }
        if (m_stopping && signals::stop_count() > m_stop_count) {
            m_stop_count = signals::stop_count();
            stop_commands("evbatch was interrupted twice", 0);
        }
    }

    void register_stats() {
        m_stats.add("in", [this] { return m_input.records(); });
        m_stats.add("rejected", [this] { return m_input.rejected(); });
        m_stats.add("failures", m_failures);
        m_stats.add("not_sent", m_not_sent);
        m_stats.add("queued", [this] { return static_cast<uint64_t>(m_queue.size()); });
    }

    void write_stats() {
        m_stats.emit([this](std::string_view line) { m_out.write_line(line); });
    }

    void write_self(std::string_view line) {
        write_self_status(line, [this](std::string_view l) { m_out.write_line(l); });
    }

    // SIGHUP: the silences file and the inhibit rules file again; a bad new
    // one keeps the old and says why, on stderr and as the evkit.evbatch.reload
    // self-status (warning until a good reload).
    void reload() {
        std::string failed;
        if (!m_options.silences.empty()) {
            auto silences = read_silences(m_options.silences);
            auto put = silences ? m_silences.replace_file(*silences) : Result<void>(std::move(silences).take_error());
            if (!put) {
                failed = fmt::format("reload: {}; keeping the silences loaded before", put.error());
                m_diag.error(failed);
            }
        }
        if (!m_options.inhibit_rules.empty()) {
            auto inhibitor = load_inhibitor(m_options, m_plan, m_clock);
            if (!inhibitor) {
                std::string why = fmt::format("reload: {}; keeping the inhibit rules loaded before", inhibitor.error());
                m_diag.error(why);
                write_self(m_reload_status.failed(failed.empty() ? why : failed + "; " + why));
                return;
            }
            m_inhibitor = std::move(inhibitor).value();
            // The new rules' sources: every member's latest event again.
            m_grouper.for_each_member(
                [this](std::string_view subject, std::string_view name, std::string_view line, State state) {
                    simdjson::dom::element event;
                    if (m_mute_parser.parse(line.data(), line.size(), true).get(event) == simdjson::SUCCESS) {
                        m_inhibitor.update(subject, name, event, state);
                    }
                });
        }
        write_self(failed.empty() ? m_reload_status.succeeded() : m_reload_status.failed(failed));
    }

    // A firing member is muted at a look when a silence in force matches its
    // latest event, or a firing source inhibits it.
    bool muted(std::string_view line, double now) {
        bool silences = m_silences.any_pending(now);
        if (!silences && m_inhibitor.empty()) {
            return false;
        }
        simdjson::dom::element event;
        if (m_mute_parser.parse(line.data(), line.size(), true).get(event) != simdjson::SUCCESS) {
            return false;  // it was read as JSON once: cannot happen
        }
        return (silences && m_silences.silenced(event, now)) || m_inhibitor.inhibited(event);
    }

    // A `"type":"silence"` event adds or replaces a silence; it starts at its
    // own `time` (or now) unless it says otherwise.
    void take_silence() {
        double start = m_now;
        double t = 0;
        if (m_record.root["time"].get_double().get(t) == simdjson::SUCCESS && std::isfinite(t)) {
            start = t;
            if (m_plan.event_time && (!m_have_time || t > m_now)) {
                m_now = t;
                m_have_time = true;
                m_event_clock.set(m_now);
                m_grouper.advance(m_now, m_due);
                queue_due();
            }
        } else if (!m_plan.event_time) {
            start = wall_clock().now();
        }
        SilenceDefaults defaults;
        defaults.starts = start;
        defaults.require_id = false;
        defaults.line = m_record.line;
        auto silence = parse_silence(m_record.root, defaults);
        if (!silence) {
            m_input.reject(m_record, "bad silence: " + silence.error());
            return;
        }
        if (auto put = m_silences.put(*silence); !put) {
            m_input.reject(m_record, "bad silence: " + put.error());
            return;
        }
        m_silences.prune(m_now);
    }

    void stop_reading() {
        m_stopping = true;
        m_stop_count = signals::stop_count();
        m_drain_deadline = steady_now() + m_plan.drain;
    }

    // After a stop the command runs had --drain-timeout, all of them.
    void check_drain() {
        if (m_stopping && !m_skip_commands && steady_now() >= m_drain_deadline) {
            stop_commands("evbatch stopped it: --drain-timeout passed", m_plan.action.kill_after);
        }
    }

    void stop_commands(const char* reason, double grace) {
        m_skip_commands = true;
        if (m_current) {
            if (m_stop_reason.empty()) {
                m_stop_reason = reason;
            }
            m_children.stop(m_current_id, grace);
        }
    }

    void read_input() {
        for (int n = 0; n < k_burst && reading(); ++n) {
            Input::Next got = m_input.next(m_record, 0);
            if (got == Input::Next::timeout) {
                m_input_idle = true;
                return;
            }
            m_input_idle = false;
            if (got == Input::Next::end) {
                m_input_done = true;
                return;
            }
            take_record();
            m_acks.passed(m_record.position);
        }
        m_input_idle = false;
    }

    void take_record() {
        if (!m_plan.event_time) {
            m_now = wall_clock().now();
            m_grouper.advance(m_now, m_due);
            queue_due();
        }
        if (string_or_empty(m_record.root, "type") == k_silence_type) {
            take_silence();
            return;
        }
        State state = State::ok;
        StateField got_state = read_state(m_record.root, state);
        if (got_state == StateField::missing) {
            return;  // not a status (a metric, say): nothing to group
        }
        if (got_state == StateField::bad) {
            m_input.reject(m_record, "bad state or severity");
            return;
        }
        std::string_view subject = string_or_empty(m_record.root, "subject");
        if (subject.empty()) {
            m_input.reject(m_record, "status without a subject");
            return;
        }
        if (m_plan.event_time) {
            double t = 0;
            if (m_record.root["time"].get_double().get(t) != simdjson::SUCCESS || !std::isfinite(t)) {
                m_input.reject(m_record, "no time field (--clock event)");
                return;
            }
            // Event time never runs backwards: a late event counts at the latest time seen.
            if (!m_have_time || t > m_now) {
                m_now = t;
                m_have_time = true;
            }
            m_event_clock.set(m_now);
            m_grouper.advance(m_now, m_due);
            queue_due();
        }
        std::string_view id = string_or_empty(m_record.root, "id");
        if (m_recent.contains(id)) {
            return;  // applied moments ago (a replay): adding it again could only undo what came after
        }
        double time = 0;
        if (m_record.root["time"].get_double().get(time) != simdjson::SUCCESS || !std::isfinite(time)) {
            time = 0;
        }
        m_key.build(m_record.root, state_name(state), m_key_text);
        std::string_view name = string_or_empty(m_record.root, "name");
        m_inhibitor.update(subject, name, m_record.root, state);
        m_grouper.add(m_key_text, subject, name, state, id, m_record.line, m_now, m_record.position, time);
        m_recent.insert(id);
    }

    void queue_due() {
        for (Notification& n : m_due) {
            m_queue.push_back(std::move(n));
        }
        m_due.clear();
    }

    // Summary alerts go out at once; a command notification starts its run
    // when the one before has ended.
    void send_queued() {
        while (!m_queue.empty()) {
            Notification& n = m_queue.front();
            if (m_options.command.empty()) {
                set_event_time(n);
                write_canonical(alert_event(n, notification_id(n)), m_out.buffer());
                m_out.end_line();
                written(n);
                m_queue.pop_front();
                continue;
            }
            if (m_current) {
                return;
            }
            if (m_skip_commands || m_out.failed()) {
                ++m_not_sent;  // its events stay unacknowledged
                m_queue.pop_front();
                continue;
            }
            // What came before is out before the pager rings.
            flush_output();
            set_event_time(n);
            std::vector<std::string> env = {"EV_GROUP=" + n.key, fmt::format("EV_COUNT={}", n.firing),
                                            "EV_STATE=" + std::string(state_name(n.state)), "EV_REASON=" + n.reason,
                                            "EV_NAME=" + n.name};
            std::string members;
            for (const NotifiedMember& m : n.members) {
                members += m.line;
                members += '\n';
            }
            m_current = std::move(n);
            m_queue.pop_front();
            m_current_id =
                m_children.start(action_spec(m_options.command, std::move(env), std::move(members), m_plan.action, 0));
            return;
        }
    }

    void take_results() {
        for (ChildResult& r : m_children.take_finished()) {
            if (!m_current) {
                continue;
            }
            const Notification& n = *m_current;
            if (!succeeded(r)) {
                ++m_failures;
            }
            set_event_time(n);
            double time = m_plan.event_time ? n.time : wall_clock().now();
            ResultContext ctx{n.key, m_name, {}, notification_id(n, m_command_text), time, m_plan.action.timeout};
            if (!m_stop_reason.empty()) {
                ctx.stop_reason = m_stop_reason;
            }
            write_canonical(result_event(r, ctx), m_out.buffer());
            m_out.end_line();
            written(n);
            m_current.reset();
        }
    }

    void set_event_time(const Notification& n) {
        if (m_plan.event_time) {
            m_event_clock.set(n.time);
        }
    }

    // The notification's line is queued: its events are acknowledged once
    // that line is durable.
    void written(const Notification& n) {
        for (Acks::Ticket t : n.tickets) {
            m_acks.written(t);
        }
    }

    void flush_output() {
        if (m_out.flush()) {
            m_acks.commit();
        }
    }

    void wait() {
        double now = steady_now();
        m_fds.clear();
        int timeout_ms = -1;
        if (reading()) {
            int fd = m_input.poll_fd();
            if (!m_input_idle) {
                timeout_ms = 0;  // a burst ended: look at the timers, then read on
            } else if (fd >= 0) {
                m_fds.push_back(pollfd{fd, POLLIN, 0});
            } else {
                timeout_ms = k_no_fd_retry_ms;
            }
        }
        m_children.add_poll_fds(m_fds);
        timeout_ms = ms_until(m_children.next_deadline(), now, timeout_ms);
        if (m_current && !m_skip_commands) {
            timeout_ms = ms_until(m_drain_deadline, now, timeout_ms);
        }
        if (!m_plan.event_time) {
            if (auto due = m_grouper.next_due()) {
                double wall = wall_clock().now();
                timeout_ms = ms_until(now + std::max(0.0, *due - wall), now, timeout_ms);
            }
        }
        timeout_ms = m_stats.wait_ms(timeout_ms);
        if (signals::poll(m_fds.data(), m_fds.size(), timeout_ms) < 0) {
            for (pollfd& p : m_fds) {
                p.revents = 0;  // a signal only: the loop takes it
            }
        }
        m_children.service(m_fds);
    }

    const GroupOptions& m_options;
    const GroupPlan& m_plan;
    GroupKey& m_key;
    ManualClock& m_event_clock;
    Input& m_input;
    Sink& m_out;
    Diagnostics& m_diag;
    Acks m_acks;
    Grouper m_grouper;
    ChildSet m_children;
    std::string m_name;
    std::string m_command_text;  // command_text of the command, for result ids
    const Clock& m_clock;        // what now() in expressions reads
    SilenceSet m_silences;
    Inhibitor m_inhibitor;
    simdjson::dom::parser m_mute_parser;  // members' latest events, parsed again at a look
    RecentIds m_recent;                   // member events applied lately: a replay is not added twice
    Record m_record;
    std::string m_key_text;
    std::vector<Notification> m_due;
    std::deque<Notification> m_queue;
    std::optional<Notification> m_current;  // the notification whose command runs
    ChildId m_current_id = 0;
    std::vector<pollfd> m_fds;
    double m_now = 0;
    bool m_have_time = false;
    bool m_input_done = false;
    bool m_input_idle = true;
    bool m_stopping = false;
    bool m_flushed = false;
    bool m_skip_commands = false;
    int m_stop_count = 0;
    double m_drain_deadline = k_never;
    std::string m_stop_reason;
    std::size_t m_failures = 0;
    std::size_t m_not_sent = 0;
    Stats m_stats{"evbatch"};
    ReloadStatus m_reload_status{"evbatch"};
};

}  // namespace

int run_group(const GroupOptions& options, Input& input, Sink& out, Diagnostics& diag) {
    GroupPlan plan;
    plan.event_time = options.clock == ClockKind::event;
    for (auto [option, text, target] : {std::tuple{"--wait", &options.wait, &plan.timing.wait},
                                        std::tuple{"--interval", &options.interval, &plan.timing.interval},
                                        std::tuple{"--repeat", &options.repeat, &plan.timing.repeat},
                                        std::tuple{"--kill-after", &options.kill_after, &plan.action.kill_after},
                                        std::tuple{"--drain-timeout", &options.drain_timeout, &plan.drain}}) {
        auto d = duration_option(option, *text);
        if (!d) {
            diag.error(d.error());
            return exit_code::k_usage;
        }
        *target = *d;
    }
    if (plan.timing.interval <= 0) {
        diag.error("--interval: must be more than 0");
        return exit_code::k_usage;
    }
    if (!options.timeout.empty()) {
        auto d = duration_option("--timeout", options.timeout);
        if (!d) {
            diag.error(d.error());
            return exit_code::k_usage;
        }
        plan.action.timeout = *d;
    }
    plan.action.output_limit = options.output_limit;
    plan.timing.send_resolved = !options.no_resolve;
    if (options.inhibit.size() % 3 != 0) {
        diag.error("--inhibit takes three values: SOURCE_EXPR TARGET_EXPR FIELD[,FIELD...]");
        return exit_code::k_usage;
    }
    for (std::size_t i = 0; i + 2 < options.inhibit.size(); i += 3) {
        auto equal = parse_equal_fields(options.inhibit[i + 2]);
        if (!equal) {
            diag.error("--inhibit: " + equal.error());
            return exit_code::k_usage;
        }
        plan.inhibit.push_back(InhibitRule{options.inhibit[i], options.inhibit[i + 1], std::move(equal).value()});
    }

    ManualClock event_clock;
    const Clock& clock = plan.event_time ? static_cast<const Clock&>(event_clock) : wall_clock();
    auto key = GroupKey::parse(options.by, clock);
    if (!key) {
        diag.error(key.error());
        return exit_code::k_usage;
    }
    auto inhibitor = load_inhibitor(options, plan, clock);
    if (!inhibitor) {
        diag.error(inhibitor.error());
        return exit_code::k_usage;
    }
    SilenceSet silences(clock);
    if (!options.silences.empty()) {
        auto loaded = read_silences(options.silences);
        auto put = loaded ? silences.replace_file(*loaded) : Result<void>(std::move(loaded).take_error());
        if (!put) {
            diag.error(put.error());
            return exit_code::k_usage;
        }
    }
    GroupRun run(options, plan, *key, event_clock, clock, std::move(silences), std::move(inhibitor).value(), input, out,
                 diag);
    return run.run();
}

}  // namespace ev::batch
