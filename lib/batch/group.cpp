#include "batch/group.h"

#include <poll.h>

#include <fmt/format.h>

#include <algorithm>
#include <climits>
#include <cmath>
#include <tuple>

#include "batch/group_run.h"
#include "batch/result.h"
#include "core/duration.h"
#include "core/exit_code.h"
#include "core/notify.h"
#include "core/signals.h"

namespace ev::batch {

namespace group_detail {

namespace {

// A source without a descriptor to poll is asked again this often.
constexpr int k_no_fd_retry_ms = 50;

// --state is saved this often (steady seconds) when it changed, besides
// soon after notifications and at exit.
constexpr double k_state_save_interval = 5;

// After a notification --state is saved within this many seconds.
constexpr double k_state_save_gap = 1;

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

}  // namespace

GroupRun::GroupRun(const GroupOptions& options, const GroupPlan& plan, GroupKey& key, ManualClock& event_clock,
                   const Clock& clock, SilenceSet silences, Inhibitor inhibitor, Input& input, Sink& out,
                   Diagnostics& diag)
    : m_options(options),
      m_plan(plan),
      m_key(key),
      m_event_clock(event_clock),
      m_input(input),
      m_out(out),
      m_diag(diag),
      m_acks(out, input),
      m_grouper(plan.timing),
      m_name(options.name.empty() && !options.command.empty() ? command_basename(options.command[0]) : options.name),
      m_command_text(command_text(options.command)),
      m_clock(clock),
      m_silences(std::move(silences)),
      m_inhibitor(std::move(inhibitor)) {
    m_grouper.set_acks(&m_acks);
    m_grouper.set_muter(
        [this](std::string_view, std::string_view, std::string_view line, double now) { return muted(line, now); });
}

int GroupRun::run() {
    if (auto opened = m_input.open(); !opened) {
        m_diag.error(opened.error());
        return exit_code::k_io;
    }
    if (auto loaded = load_state(); !loaded) {
        m_diag.error(loaded.error());
        return exit_code::k_usage;
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
            // End of input, or a stop: every group with news notifies now;
            // with --state the groups are saved instead, timers and all.
            m_input.finish();
            if (!m_plan.event_time) {
                m_now = wall_clock().now();
            }
            if (m_options.state.empty()) {
                m_grouper.flush(m_now, m_due);
                queue_due();
            }
            m_flushed = true;
        }
        take_results();
        check_drain();
        send_queued();
        flush_output();
        save_state(false);
        if (m_flushed && m_queue.empty() && !m_current) {
            break;
        }
        wait();
    }
    save_state(true);
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
    if (m_state_failed) {
        return exit_code::k_io;
    }
    return m_failures > 0 || m_not_sent > 0 ? exit_code::k_no_match : exit_code::k_ok;
}

// The signal regime's stop (SIGTERM; SIGINT, or when input is a pipe
// that drains, a second SIGINT) stops reading: pending groups notify,
// command runs get --drain-timeout. A stop signal after that kills the
// command run and sends no more command notifications.
void GroupRun::take_signals() {
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

void GroupRun::stop_reading() {
    m_stopping = true;
    m_stop_count = signals::stop_count();
    m_drain_deadline = steady_now() + m_plan.drain;
}

// After a stop the command runs had --drain-timeout, all of them.
void GroupRun::check_drain() {
    if (m_stopping && !m_skip_commands && steady_now() >= m_drain_deadline) {
        stop_commands("evbatch stopped it: --drain-timeout passed", m_plan.action.kill_after);
    }
}

void GroupRun::stop_commands(const char* reason, double grace) {
    m_skip_commands = true;
    if (m_current) {
        if (m_stop_reason.empty()) {
            m_stop_reason = reason;
        }
        m_children.stop(m_current_id, grace);
    }
}

void GroupRun::register_stats() {
    add_input_counters(m_stats, m_input);
    m_stats.add("failures", m_failures);
    m_stats.add("not_sent", m_not_sent);
    m_stats.add("queued", [this] { return static_cast<uint64_t>(m_queue.size()); });
}

void GroupRun::write_stats() {
    m_stats.emit([this](std::string_view line) { m_out.write_line(line); });
}

void GroupRun::write_self(std::string_view line) {
    write_self_status(line, [this](std::string_view l) { m_out.write_line(l); });
}

void GroupRun::flush_output() {
    if (m_out.flush()) {
        m_acks.commit();
    }
}

void GroupRun::wait() {
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
    if (!m_options.state.empty()) {
        timeout_ms = ms_until(m_next_save, now, timeout_ms);
    }
    timeout_ms = m_stats.wait_ms(timeout_ms);
    if (signals::poll(m_fds.data(), m_fds.size(), timeout_ms) < 0) {
        for (pollfd& p : m_fds) {
            p.revents = 0;  // a signal only: the loop takes it
        }
    }
    m_children.service(m_fds);
}

// Locks and loads --state before the first event. On the wall clock a
// timer that passed while evbatch was stopped is due now, so it fires once
// at the first look; on event time it fires at the first event past it.
Result<void> GroupRun::load_state() {
    if (m_options.state.empty()) {
        return {};
    }
    auto lock = lock_group_state(m_options.state);
    if (!lock) {
        return make_error(lock.error());
    }
    m_state_lock.emplace(std::move(lock).value());
    auto info = load_group_state(m_options.state, m_plan.event_time, m_grouper, wall_clock().now());
    if (!info) {
        return make_error(info.error());
    }
    if (info->loaded && m_plan.event_time) {
        m_now = info->now;  // event time never runs backwards, across a restart too
        m_have_time = true;
        m_event_clock.set(m_now);
    }
    // A file the groups cover is read on after what they took; another
    // file (rotated, replaced) from its beginning. stdin has no position.
    m_files = dynamic_cast<FileSource*>(&m_input.source());
    if (m_files != nullptr) {
        m_files->resume_from(std::move(info->positions));
    }
    m_saved = encode_group_state(m_grouper, m_plan.event_time, m_plan.event_time ? m_now : 0, positions());
    m_last_save = steady_now();
    m_next_save = m_last_save + k_state_save_interval;
    return {};
}

// Saves --state soon after a notification is flushed (at most once per
// k_state_save_gap, so a burst of notifications costs one save; a kill -9
// within the gap repeats those notifications, with the same ids), every
// k_state_save_interval while it changed, and at exit (now).
void GroupRun::save_state(bool now) {
    if (m_options.state.empty()) {
        return;
    }
    double t = steady_now();
    if (m_save_after_flush && m_out.flush()) {
        m_save_after_flush = false;
        m_next_save = std::min(m_next_save, m_last_save + k_state_save_gap);
    }
    if ((!now && t < m_next_save) || !input_covered()) {
        return;
    }
    m_last_save = t;
    m_next_save = t + k_state_save_interval;
    // "now" is the event clock's; on the wall clock it is 0 (not needed).
    std::string bytes = encode_group_state(m_grouper, m_plan.event_time, m_plan.event_time ? m_now : 0, positions());
    if (bytes == m_saved) {
        return;
    }
    if (auto saved = save_group_state(m_options.state, bytes); !saved) {
        m_diag.error(saved.error());
        m_state_failed = true;
        return;
    }
    m_saved = std::move(bytes);
}

// With input positions, the groups are saved only when every notification
// the events read so far caused is out and flushed: the saved positions
// then never claim input whose notifications a kill -9 could lose, and
// groups and positions agree (a restart re-reads nothing the groups hold).
// Until then the last save stands, and a restart repeats what came after.
bool GroupRun::input_covered() {
    if (m_files == nullptr) {
        return true;
    }
    return m_queue.empty() && !m_current && m_not_sent == 0 && !m_out.failed() && m_out.flush();
}

// Per input file, the offset after the last event taken (see
// FileSource::positions); empty for stdin.
std::vector<FilePosition> GroupRun::positions() const {
    if (m_files == nullptr) {
        return {};
    }
    return m_files->positions(
        [this](uint32_t stream) { return stream < m_read.size() ? m_read[stream] : int64_t{-1}; });
}

}  // namespace group_detail

int run_group(const GroupOptions& options, Input& input, Sink& out, Diagnostics& diag) {
    using namespace group_detail;
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
