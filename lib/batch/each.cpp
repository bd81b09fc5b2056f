#include "batch/each.h"

#include <unistd.h>

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <deque>
#include <map>
#include <optional>

#include "batch/limits.h"
#include "batch/process.h"
#include "batch/result.h"
#include "batch/template.h"
#include "batch/throttle.h"
#include "core/duration.h"
#include "core/exit_code.h"
#include "core/id.h"
#include "core/json.h"
#include "core/signals.h"
#include "core/writer.h"

namespace ev::batch {

namespace {

// Events read but not started are held here; beyond this many, reading pauses.
constexpr std::size_t k_max_pending = 100000;

// One action waiting or running.
struct Job {
    std::vector<std::string> argv;
    std::string subject;
    std::string cause;
    std::string line;
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
        if (n <= 0) {
            return;
        }
        text.remove_prefix(static_cast<std::size_t>(n));
    }
}

int ms_until(double when, double now) {
    return static_cast<int>(std::ceil(std::max(0.0, when - now) * 1000));
}

// One run of each mode: the input, the actions waiting and running, and the
// throttle that decides when the next one starts.
class EachRun {
public:
    EachRun(const EachOptions& options, const Plan& plan, CommandTemplate& command, int out_fd, int err_fd,
            Diagnostics& diag)
        : m_options(options),
          m_plan(plan),
          m_command(command),
          m_err_fd(err_fd),
          m_diag(diag),
          m_input(options.input, diag),
          m_out(out_fd),
          m_gate({SIGINT, SIGTERM}),
          m_runner(m_gate, options.output_limit, plan.kill_after),
          m_throttle(plan.limits) {
        m_stdin_input = options.input.files.empty() || std::find(options.input.files.begin(), options.input.files.end(),
                                                                 "-") != options.input.files.end();
    }

    int run() {
        if (auto opened = m_input.open(); !opened) {
            m_diag.error(opened.error());
            return exit_code::k_io;
        }
        m_input.set_idle([this] { (void)m_out.flush(); });
        for (;;) {
            take_signals();
            bool input_idle = read_input();
            take_results();
            start_ready();
            show_progress();
            bool nothing_left = m_pending.empty() && !m_input_open;
            if (m_runner.running() == 0 && m_running.empty() && (m_stopping || m_throttle.failing() || nothing_left)) {
                break;
            }
            (void)m_out.flush();
            if (m_out.broken() || m_out.failed()) {
                m_stopping = true;
            }
            wait(input_idle);
        }
        return finish();
    }

private:
    bool wants_input() const {
        return m_input_open && !m_stopping && !m_throttle.failing() && m_pending.size() < k_max_pending;
    }

    // The first stop signal starts nothing new; the second stops the running
    // actions (TERM, then KILL); a third kills them at once.
    void take_signals() {
        int seen = signals::stop_count();
        if (seen <= m_signals_seen) {
            return;
        }
        m_stopping = true;
        if (seen >= 2 && m_signals_seen < 2) {
            m_runner.kill_all(false);
        }
        if (seen >= 3) {
            m_runner.kill_all(true);
        }
        m_signals_seen = seen;
    }

    // Reads every event that is ready; returns true when the input had no more for now.
    bool read_input() {
        while (wants_input()) {
            Input::Next got = m_input.next(m_record, 0);
            if (got == Input::Next::timeout) {
                return true;
            }
            if (got == Input::Next::end) {
                m_input_open = false;
                break;
            }
            Job job;
            if (auto r = m_command.render(m_record.root, job.argv); !r) {
                m_input.reject(m_record, r.error());
                continue;
            }
            if (!m_options.allow_dash) {
                if (auto checked = m_command.check_options(job.argv); !checked) {
                    job.refusal = fmt::format("not run: {} (--allow-dash allows it)", checked.error());
                    job.file.assign(m_record.file);
                    job.number = m_record.number;
                }
            }
            if (m_options.dry_run) {
                if (job.refusal.empty()) {
                    m_out.buffer() += shell_quote(job.argv);
                } else {
                    m_out.buffer() += dry_run_comment(job.refusal);
                    ++m_refused;
                }
                m_out.end_line();
                continue;
            }
            job.subject = string_field(m_record.root, "subject");
            job.cause = string_field(m_record.root, "id");
            job.line.assign(m_record.line);
            m_pending.push_back(std::move(job));
            ++m_total;
        }
        if (m_input.fatal()) {
            m_stopping = true;
        }
        return false;
    }

    void take_results() {
        for (Finished& f : m_runner.take_finished()) {
            auto it = m_running.find(f.tag);
            ResultContext ctx{it->second.subject, m_plan.name,         it->second.cause,
                              m_ids.next(),       rounded_wall_time(), m_plan.timeout};
            write_canonical(result_event(f, ctx), m_out.buffer());
            m_out.end_line();
            m_running.erase(it);
            ended(succeeded(f), monotonic_now());
        }
    }

    // Counts an action's end, ok or failed, against --max-fail.
    void ended(bool ok, double now) {
        ++(ok ? m_ok : m_failed);
        if (m_throttle.finished(ok, now, m_pending.size(), m_input_open, m_total)) {
            m_diag.error(fmt::format("stopping: {} of {} actions failed, more than --max-fail {}", m_failed, m_started,
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
        ResultContext ctx{job.subject, m_plan.name, job.cause, m_ids.next(), rounded_wall_time(), m_plan.timeout};
        write_canonical(refused_event(job.refusal, ctx), m_out.buffer());
        m_out.end_line();
        ended(false, now);
    }

    void start_ready() {
        double now = monotonic_now();
        while (!m_stopping && !m_pending.empty() && m_throttle.may_start(now)) {
            Job job = std::move(m_pending.front());
            m_pending.pop_front();
            if (!job.refusal.empty()) {
                refuse(job, now);
                continue;
            }
            SpawnRequest request;
            request.argv = job.argv;
            if (!job.subject.empty()) {
                request.env.push_back("EV_SUBJECT=" + job.subject);
            }
            request.input = job.line + "\n";
            request.timeout = m_plan.timeout;
            request.tag = m_next_tag++;
            m_running.emplace(request.tag, std::move(job));
            m_runner.start(request);
            m_throttle.started(now);
            ++m_started;
        }
    }

    void wait(bool input_idle) {
        double now = monotonic_now();
        int timeout_ms = -1;
        if (!m_stopping && !m_pending.empty()) {
            if (auto when = m_throttle.wake_at(now)) {
                timeout_ms = ms_until(*when, now);
            }
        }
        bool want = wants_input();
        if (want && input_idle && !m_stdin_input) {
            // A named FIFO: Input keeps its descriptor, so look again soon.
            timeout_ms = timeout_ms < 0 ? 20 : std::min(timeout_ms, 20);
        }
        if (want && !input_idle) {
            timeout_ms = 0;
        }
        m_runner.wait(timeout_ms, want && input_idle && m_stdin_input ? 0 : -1);
    }

    void show_progress() {
        if (!m_plan.progress) {
            return;
        }
        std::string text = fmt::format("\revbatch: {} running, {} ok, {} failed, {} waiting\x1b[K", m_runner.running(),
                                       m_ok, m_failed, m_pending.size());
        if (text != m_progress_text) {
            write_fd(m_err_fd, text);
            m_progress_text = std::move(text);
        }
    }

    int finish() {
        m_input.finish();
        (void)m_out.flush();
        if (m_plan.progress) {
            write_fd(m_err_fd, "\r\x1b[K");
        }
        if (m_refused > 0 && !m_out.broken()) {
            m_diag.error(fmt::format("{} action{} not run: a placeholder value began with '-' (--allow-dash allows it)",
                                     m_refused, m_refused == 1 ? "" : "s"));
        }
        // A closed output (SIGPIPE) ends the run quietly.
        if (!m_options.dry_run && !m_out.broken() && (m_stopping || m_throttle.failing() || m_plan.progress)) {
            write_fd(m_err_fd, summary_line(m_ok, m_failed, m_total, m_refused) + "\n");
        }
        if (m_out.failed()) {
            m_diag.error(m_out.error());
            return exit_code::k_io;
        }
        if (m_input.fatal()) {
            return exit_code::k_bad_input;
        }
        if (m_input.io_failed()) {
            return exit_code::k_io;
        }
        return m_failed > 0 || m_refused > 0 || m_throttle.failing() ? k_action_failed : exit_code::k_ok;
    }

    static double rounded_wall_time() { return std::round(wall_clock().now() * 1000) / 1000; }

    const EachOptions& m_options;
    const Plan& m_plan;
    CommandTemplate& m_command;
    int m_err_fd;
    Diagnostics& m_diag;
    Input m_input;
    Writer m_out;
    // Stop signals and child exits are taken only while waiting (ppoll), so
    // none is lost between a check and the wait.
    SignalGate m_gate;
    Runner m_runner;
    Throttle m_throttle;
    IdGenerator m_ids;
    Record m_record;
    std::deque<Job> m_pending;
    std::map<uint64_t, Job> m_running;
    uint64_t m_next_tag = 1;
    std::size_t m_total = 0;
    std::size_t m_started = 0;
    std::size_t m_ok = 0;
    std::size_t m_failed = 0;
    std::size_t m_refused = 0;  // of m_failed, never started (and in --dry-run, would not be)
    bool m_stdin_input = false;
    bool m_input_open = true;
    bool m_stopping = false;
    int m_signals_seen = 0;
    std::string m_progress_text;
};

}  // namespace

std::string summary_line(std::size_t ok, std::size_t failed, std::size_t total, std::size_t refused) {
    std::size_t done = ok + failed;
    std::string refused_note = refused > 0 ? fmt::format(" ({} refused)", refused) : "";
    return fmt::format("Finished {} / {} actions: {} ok, {} failed{}, {} not started", done, total, ok, failed,
                       refused_note, total - done);
}

int run_each(const EachOptions& options, int out_fd, int err_fd, Diagnostics& diag) {
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
    EachRun run(options, *plan, *command, out_fd, err_fd, diag);
    return run.run();
}

}  // namespace ev::batch
