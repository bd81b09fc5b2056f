#include "batch/each.h"

#include <poll.h>
#include <unistd.h>

#include <fmt/format.h>

#include <algorithm>
#include <cerrno>
#include <climits>
#include <cmath>
#include <deque>
#include <limits>
#include <map>
#include <optional>

#include "batch/acks.h"
#include "batch/action.h"
#include "batch/journal.h"
#include "batch/limits.h"
#include "batch/result.h"
#include "batch/template.h"
#include "batch/throttle.h"
#include "core/child_set.h"
#include "core/clock.h"
#include "core/duration.h"
#include "core/exit_code.h"
#include "core/id.h"
#include "core/json.h"
#include "core/notify.h"
#include "core/signals.h"

namespace ev::batch {

namespace {

// Events read but not started are held here; beyond this many, reading pauses.
constexpr std::size_t k_max_pending = 100000;
// Records read between two looks at the signals, so a stop is seen at once
// however fast input arrives.
constexpr int k_signal_check_every = 1024;
// A source without a descriptor to poll is asked again this often.
constexpr int k_no_fd_retry_ms = 50;
constexpr double k_never = std::numeric_limits<double>::infinity();

// One action waiting or running.
struct Job {
    std::vector<std::string> argv;
    std::string subject;
    std::string cause;  // the event's id (empty: none)
    double time = 0;    // the event's time (0: none): its result id's time part
    std::string line;
    Acks::Ticket ticket = 0;  // acknowledged once its result is durable
    std::string key;          // its result id: its name in the --journal
    // Why the argv rules refuse to start it (empty: it may start), and where
    // its event came from, for the report.
    std::string refusal;
    std::string file;
    uint64_t number = 0;
};

// The --dry-run line for a refused action: a shell comment on one line.
std::string dry_run_comment(std::string_view refusal) {
    std::string out = "# ";
    for (char c : refusal) {
        out += c == '\n' || c == '\r' ? ' ' : c;
    }
    return out;
}

// The limits in seconds and parsed forms, checked once before anything runs.
struct Plan {
    ThrottleLimits limits;
    double timeout = 0;
    double kill_after = 5;
    double drain = 10;
    std::string name;
    bool progress = false;
};

Result<Plan> make_plan(const EachOptions& o, int err_fd) {
    Plan plan;
    plan.limits.concurrency = o.concurrency > 0 ? o.concurrency : (o.batch > 0 ? o.batch : 1);
    plan.limits.batch = o.batch;
    auto sleep = parse_duration(o.batch_sleep);
    if (!sleep) {
        return make_error(fmt::format("--batch-sleep: {}", sleep.error()));
    }
    plan.limits.batch_sleep = *sleep;
    if (!o.rate.empty()) {
        auto rate = parse_rate(o.rate);
        if (!rate) {
            return std::move(rate).take_error();
        }
        plan.limits.rate = *rate;
    }
    if (!o.timeout.empty()) {
        auto t = parse_duration(o.timeout);
        if (!t) {
            return make_error(fmt::format("--timeout: {}", t.error()));
        }
        plan.timeout = *t;
    }
    auto kill_after = parse_duration(o.kill_after);
    if (!kill_after) {
        return make_error(fmt::format("--kill-after: {}", kill_after.error()));
    }
    plan.kill_after = *kill_after;
    auto drain = parse_duration(o.drain_timeout);
    if (!drain) {
        return make_error(fmt::format("--drain-timeout: {}", drain.error()));
    }
    plan.drain = *drain;
    if (!o.max_fail.empty()) {
        auto limit = parse_max_fail(o.max_fail);
        if (!limit) {
            return std::move(limit).take_error();
        }
        plan.limits.max_fail = *limit;
    }
    plan.name = o.name.empty() ? command_basename(o.command.empty() ? "" : o.command[0]) : o.name;
    if (o.progress == "always") {
        plan.progress = true;
    } else if (o.progress == "auto") {
        plan.progress = isatty(err_fd) == 1;
    } else if (o.progress != "never") {
        return make_error(fmt::format("--progress '{}': expected auto, always or never", o.progress));
    }
    return plan;
}

std::string string_field(simdjson::dom::element root, const char* key) {
    std::string_view s;
    if (root[key].get_string().get(s) == simdjson::SUCCESS) {
        return std::string(s);
    }
    return {};
}

void write_fd(int fd, std::string_view text) {
    while (!text.empty()) {
        ssize_t n = ::write(fd, text.data(), text.size());
        if (n < 0 && errno == EINTR) {
            continue;
        }
        if (n <= 0) {
            return;
        }
        text.remove_prefix(static_cast<std::size_t>(n));
    }
}

// A poll timeout in milliseconds until when (-1: never), at most limit (-1: none).
int ms_until(double when, double now, int limit) {
    if (when == k_never) {
        return limit;
    }
    double ms = std::ceil(std::max(0.0, when - now) * 1000);
    int wait = ms >= static_cast<double>(INT_MAX) ? INT_MAX : static_cast<int>(ms);
    return limit >= 0 ? std::min(wait, limit) : wait;
}

// One run of each mode: the input, the actions waiting and running, and the
// throttle that decides when the next one starts. One event loop waits on
// the input's descriptor, the children's and the signals together.
class EachRun {
public:
    EachRun(const EachOptions& options, const Plan& plan, CommandTemplate& command, Input& input, Sink& out, int err_fd,
            Diagnostics& diag)
        : m_options(options),
          m_plan(plan),
          m_command(command),
          m_err_fd(err_fd),
          m_diag(diag),
          m_input(input),
          m_out(out),
          m_acks(out, input),
          m_throttle(plan.limits),
          m_command_text("each " + command_text(options.command)) {
        m_policy.output_limit = options.output_limit;
        m_policy.timeout = plan.timeout;
        m_policy.kill_after = plan.kill_after;
    }

    int run() {
        if (!m_options.journal.empty() && !m_options.dry_run) {
            auto journal = Journal::open(m_options.journal);
            if (!journal) {
                m_diag.error(journal.error());
                return exit_code::k_usage;
            }
            m_journal.emplace(std::move(journal).value());
        }
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
            }
            read_input();
            take_results();
            check_drain();
            start_ready();
            show_progress();
            flush_output();
            bool nothing_left = m_pending.empty() && !m_input_open;
            if (m_running.empty() && m_children.empty() && (m_stopping || m_throttle.failing() || nothing_left)) {
                break;
            }
            wait();
        }
        notify::stopping();
        if (m_stats.enabled()) {
            write_stats();  // the same counters once at exit
            flush_output();
        }
        return finish();
    }

private:
    void register_stats() {
        add_input_counters(m_stats, m_input);
        m_stats.add("started", m_started);
        m_stats.add("ok", m_ok);
        m_stats.add("failed", m_failed);
        m_stats.add("refused", m_refused);
        m_stats.add("running", [this] { return static_cast<uint64_t>(m_running.size()); });
        m_stats.add("pending", [this] { return static_cast<uint64_t>(m_pending.size()); });
    }

    void write_stats() {
        m_stats.emit([this](std::string_view line) { m_out.write_line(line); });
    }

    bool wants_input() const {
        return m_input_open && !m_stopping && !m_throttle.failing() && m_pending.size() < k_max_pending;
    }

    // The escalation of stop signals (docs/evbatch.1.md, SIGNALS): the first
    // starts nothing new and lets the running actions finish (a Ctrl-C for
    // as long as they take: the operator is there to press it again; a
    // SIGTERM for at most --drain-timeout); the second stops them (TERM,
    // KILL --kill-after later); a third kills them at once. This is each
    // mode's own policy, on the stop count: a first Ctrl-C stops starting
    // actions even when input is a pipe that drains.
    void take_signals() {
        int seen = signals::stop_count();
        if (seen <= m_signals_seen) {
            return;
        }
        if (m_signals_seen == 0) {
            m_stopping = true;
            if (!signals::interrupted()) {
                m_drain_deadline = steady_now() + m_plan.drain;
            } else if (seen == 1 && m_children.active() > 0) {
                std::size_t n = m_children.active();
                say(fmt::format("interrupted: letting {} running action{} finish; Ctrl-C again stops them", n,
                                n == 1 ? "" : "s"));
            }
        }
        if (seen >= 2 && m_signals_seen < 2) {
            stop_running("evbatch was interrupted twice", m_plan.kill_after);
        }
        if (seen >= 3) {
            m_children.stop_all(0);
        }
        m_signals_seen = seen;
    }

    // After a SIGTERM the running actions had --drain-timeout to finish.
    void check_drain() {
        if (m_drain_deadline != k_never && steady_now() >= m_drain_deadline) {
            m_drain_deadline = k_never;
            stop_running("evbatch stopped it: --drain-timeout passed", m_plan.kill_after);
        }
    }

    void stop_running(const char* reason, double grace) {
        if (m_stop_reason.empty()) {
            m_stop_reason = reason;
        }
        m_children.stop_all(grace);
    }

    // A line of our own on stderr, clear of the progress line.
    void say(const std::string& message) {
        if (!m_progress_text.empty()) {
            write_fd(m_err_fd, "\r\x1b[K");
            m_progress_text.clear();
        }
        m_diag.error(message);
    }

    // Reads every event that is ready now (never waits: the loop's poll does).
    void read_input() {
        for (int n = 1; wants_input() && !m_out.ended(); ++n) {
            if (n % k_signal_check_every == 0) {
                // Lines the sink pushed out on its own (--dry-run) release their tickets.
                m_acks.commit();
                if (signals::check() && signals::stop_count() > m_signals_seen) {
                    return;  // the loop takes the signal before reading on
                }
            }
            Input::Next got = m_input.next(m_record, 0);
            if (got == Input::Next::timeout) {
                m_input_idle = true;
                return;
            }
            m_input_idle = false;
            if (got == Input::Next::end) {
                m_input_open = false;
                break;
            }
            take_record();
        }
        if (m_input.fatal()) {
            m_stopping = true;
        }
    }

    void take_record() {
        Job job;
        if (auto r = m_command.render(m_record.root, job.argv); !r) {
            m_input.reject(m_record, r.error());
            m_acks.passed(m_record.position);
            return;
        }
        if (!m_options.allow_dash) {
            if (auto checked = m_command.check_options(job.argv); !checked) {
                job.refusal = fmt::format("not run: {} (--allow-dash allows it)", checked.error());
                job.file.assign(m_record.file);
                job.number = m_record.number;
            }
        }
        Acks::Ticket ticket = m_acks.begin(m_record.position);
        if (m_options.dry_run) {
            if (job.refusal.empty()) {
                m_out.buffer() += shell_quote(job.argv);
            } else {
                m_out.buffer() += dry_run_comment(job.refusal);
                ++m_refused;
            }
            m_out.end_line();
            m_acks.written(ticket);
            return;
        }
        job.ticket = ticket;
        job.subject = string_field(m_record.root, "subject");
        job.cause = string_field(m_record.root, "id");
        if (m_record.root["time"].get_double().get(job.time) != simdjson::SUCCESS || !std::isfinite(job.time)) {
            job.time = 0;
        }
        job.line.assign(m_record.line);
        job.key = result_id(job);
        if (m_journal && journaled(job)) {
            return;
        }
        m_pending.push_back(std::move(job));
        ++m_total;
    }

    // An input the --journal knows: finished before (skipped), or started
    // and never finished (reported, unless --rerun-interrupted).
    bool journaled(const Job& job) {
        if (m_journal->finished(job.key)) {
            ++m_skipped;
            m_acks.written(job.ticket);
            return true;
        }
        if (!m_journal->interrupted(job.key) || m_options.rerun_interrupted) {
            return false;
        }
        ++m_interrupted;
        ResultContext ctx{job.subject,         m_plan.name,         job.cause,
                          interrupted_id(job), rounded_wall_time(), m_plan.timeout};
        write_canonical(interrupted_event(ctx), m_out.buffer());
        m_out.end_line();
        m_acks.written(job.ticket);
        return true;
    }

    void take_results() {
        for (ChildResult& r : m_children.take_finished()) {
            auto it = m_running.find(r.tag);
            if (it == m_running.end()) {
                continue;
            }
            ResultContext ctx{it->second.subject,    m_plan.name,         it->second.cause,
                              result_id(it->second), rounded_wall_time(), m_plan.timeout};
            if (!m_stop_reason.empty()) {
                ctx.stop_reason = m_stop_reason;
            }
            write_canonical(result_event(r, ctx), m_out.buffer());
            m_out.end_line();
            m_acks.written(it->second.ticket);
            if (m_journal) {
                m_journal_done.push_back(std::move(it->second.key));  // journaled once the result is flushed
            }
            bool ok = succeeded(r);
            m_running.erase(it);
            ended(ok, steady_now());
        }
    }

    // Counts an action's end, ok or failed, against --max-fail.
    void ended(bool ok, double now) {
        ++(ok ? m_ok : m_failed);
        if (m_throttle.finished(ok, now, m_pending.size(), m_input_open, m_total)) {
            say(fmt::format("stopping: {} of {} actions failed, more than --max-fail {}", m_failed, m_started,
                            m_options.max_fail));
        }
    }

    // An action the argv rules refuse takes its turn as one that failed at
    // once: its result says why, and it counts against --max-fail.
    void refuse(const Job& job, double now) {
        m_throttle.started(now);
        ++m_started;
        ++m_refused;
        m_diag.line_problem(job.file, job.number, job.refusal);
        ResultContext ctx{job.subject, m_plan.name, job.cause, result_id(job), rounded_wall_time(), m_plan.timeout};
        write_canonical(refused_event(job.refusal, ctx), m_out.buffer());
        m_out.end_line();
        m_acks.written(job.ticket);
        ended(false, now);
    }

    void start_ready() {
        double now = steady_now();
        while (!m_stopping && !m_pending.empty() && m_throttle.may_start(now)) {
            Job job = std::move(m_pending.front());
            m_pending.pop_front();
            if (!job.refusal.empty()) {
                refuse(job, now);
                continue;
            }
            m_throttle.started(now);
            ++m_started;
            if (m_journal) {
                journal(m_journal->started(job.key));
            }
            m_starting.push_back(std::move(job));
        }
        if (m_journal && !m_starting.empty()) {
            journal(m_journal->sync());  // "started" is durable before the actions run
        }
        for (Job& job : m_starting) {
            std::vector<std::string> env;
            if (!job.subject.empty()) {
                env.push_back("EV_SUBJECT=" + job.subject);
            }
            uint64_t tag = m_next_tag++;
            ChildSpec spec = action_spec(job.argv, std::move(env), job.line + "\n", m_policy, tag);
            m_running.emplace(tag, std::move(job));
            m_children.start(std::move(spec));
        }
        m_starting.clear();
    }

    // A journal write that failed: the run stops (restarts would not be exact).
    void journal(const Result<void>& r) {
        if (!r && !m_journal_failed) {
            m_diag.error(r.error());
            m_journal_failed = true;
            m_stopping = true;
        }
    }

    // Pushes the results out; what is durable then is acknowledged. A closed
    // or failing output stops the run (results could not be written).
    void flush_output() {
        if (m_out.flush()) {
            if (m_journal && !m_journal_done.empty()) {
                for (const std::string& key : m_journal_done) {
                    journal(m_journal->done(key));
                }
                m_journal_done.clear();
                journal(m_journal->sync());
            }
            m_acks.commit();
        } else {
            m_stopping = true;
        }
    }

    // Waits until the input has more, a child needs service, a deadline or
    // a start time comes, or a signal arrives.
    void wait() {
        double now = steady_now();
        m_fds.clear();
        int timeout_ms = -1;
        if (wants_input() && !m_out.ended()) {
            int fd = m_input.poll_fd();
            if (!m_input_idle) {
                timeout_ms = 0;  // reading stopped short to look at the signals
            } else if (fd >= 0) {
                m_fds.push_back(pollfd{fd, POLLIN, 0});
            } else {
                timeout_ms = k_no_fd_retry_ms;
            }
        }
        m_children.add_poll_fds(m_fds);
        timeout_ms = ms_until(m_children.next_deadline(), now, timeout_ms);
        if (!m_stopping && !m_pending.empty()) {
            if (auto when = m_throttle.wake_at(now)) {
                timeout_ms = ms_until(*when, now, timeout_ms);
            }
        }
        timeout_ms = ms_until(m_drain_deadline, now, timeout_ms);
        timeout_ms = m_stats.wait_ms(timeout_ms);
        if (signals::poll(m_fds.data(), m_fds.size(), timeout_ms) < 0) {
            for (pollfd& p : m_fds) {
                p.revents = 0;  // a signal only: the loop takes it
            }
        }
        m_children.service(m_fds);
    }

    void show_progress() {
        if (!m_plan.progress) {
            return;
        }
        std::string text = fmt::format("\revbatch: {} running, {} ok, {} failed, {} waiting\x1b[K", m_running.size(),
                                       m_ok, m_failed, m_pending.size());
        if (text != m_progress_text) {
            write_fd(m_err_fd, text);
            m_progress_text = std::move(text);
        }
    }

    int finish() {
        m_input.finish();
        flush_output();
        if (m_plan.progress) {
            write_fd(m_err_fd, "\r\x1b[K");
        }
        if (m_refused > 0 && !m_out.ended()) {
            m_diag.error(fmt::format("{} action{} not run: a placeholder value began with '-' (--allow-dash allows it)",
                                     m_refused, m_refused == 1 ? "" : "s"));
        }
        // A closed output (EPIPE) ends the run quietly, unless a signal
        // stopped it: then the operator learns how far it got, even when
        // the stage after evbatch has gone.
        bool signaled = m_signals_seen > 0;
        if (!m_options.dry_run &&
            (signaled || (!m_out.ended() && (m_stopping || m_throttle.failing() || m_plan.progress)))) {
            write_fd(m_err_fd, summary_line(m_ok, m_failed, m_total, m_refused) + "\n");
        }
        if (m_skipped > 0 || m_interrupted > 0) {
            m_diag.error(fmt::format("--journal: {} input{} finished before, not run again; {} interrupted before{}",
                                     m_skipped, m_skipped == 1 ? "" : "s", m_interrupted,
                                     m_interrupted > 0 ? ", reported (--rerun-interrupted runs them)" : ""));
        }
        if (auto code = ending_exit_code(m_input, m_out, m_diag)) {
            return *code;
        }
        if (m_journal_failed) {
            return exit_code::k_io;
        }
        return m_failed > 0 || m_interrupted > 0 || m_refused > 0 || m_throttle.failing() ? k_action_failed
                                                                                          : exit_code::k_ok;
    }

    static double rounded_wall_time() { return std::round(wall_clock().now() * 1000) / 1000; }

    // A result's id comes from its event (id, else line; and time) and the
    // command template, never from the clock: a replay gives the same id.
    std::string result_id(const Job& job) const {
        Derivation d;
        d.cause_id = job.cause;
        d.cause_line = job.line;
        d.time = job.time;
        d.tool = "evbatch";
        d.what = m_command_text;
        return derived_id(d);
    }

    // The id of the report that job was interrupted (not its result's).
    std::string interrupted_id(const Job& job) const {
        Derivation d;
        d.cause_id = job.cause;
        d.cause_line = job.line;
        d.time = job.time;
        d.tool = "evbatch";
        d.what = m_command_text + " interrupted";
        return derived_id(d);
    }

    const EachOptions& m_options;
    const Plan& m_plan;
    CommandTemplate& m_command;
    int m_err_fd;
    Diagnostics& m_diag;
    Input& m_input;
    Sink& m_out;
    Acks m_acks;
    ActionPolicy m_policy;
    ChildSet m_children;
    Throttle m_throttle;
    std::string m_command_text;  // "each " and command_text of the template, for result ids
    Record m_record;
    std::vector<pollfd> m_fds;
    std::deque<Job> m_pending;
    std::map<uint64_t, Job> m_running;  // by child tag
    std::vector<Job> m_starting;        // taken from m_pending, journaled before they start
    std::optional<Journal> m_journal;
    std::vector<std::string> m_journal_done;  // keys of results written, not yet flushed
    bool m_journal_failed = false;
    std::size_t m_skipped = 0;      // inputs the journal says finished before
    std::size_t m_interrupted = 0;  // inputs the journal says were interrupted, reported
    uint64_t m_next_tag = 1;
    std::size_t m_total = 0;
    std::size_t m_started = 0;
    std::size_t m_ok = 0;
    std::size_t m_failed = 0;
    std::size_t m_refused = 0;  // of m_failed, never started (and in --dry-run, would not be)
    bool m_input_open = true;
    bool m_input_idle = true;
    bool m_stopping = false;
    int m_signals_seen = 0;
    double m_drain_deadline = k_never;
    std::string m_stop_reason;
    std::string m_progress_text;
    Stats m_stats{"evbatch"};
};

}  // namespace

std::string summary_line(std::size_t ok, std::size_t failed, std::size_t total, std::size_t refused) {
    std::size_t done = ok + failed;
    std::string refused_note = refused > 0 ? fmt::format(" ({} refused)", refused) : "";
    return fmt::format("Finished {} / {} actions: {} ok, {} failed{}, {} not started", done, total, ok, failed,
                       refused_note, total - done);
}

int run_each(const EachOptions& options, Input& input, Sink& out, int err_fd, Diagnostics& diag) {
    auto command = CommandTemplate::parse(options.command);
    if (!command) {
        diag.error(command.error());
        return exit_code::k_usage;
    }
    auto plan = make_plan(options, err_fd);
    if (!plan) {
        diag.error(plan.error());
        return exit_code::k_usage;
    }
    EachRun run(options, *plan, *command, input, out, err_fd, diag);
    return run.run();
}

}  // namespace ev::batch
