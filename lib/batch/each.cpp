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
};

// The limits in seconds and parsed forms, checked once before anything runs.
struct Plan {
    std::size_t concurrency = 1;
    double batch_sleep = 0;
    std::optional<Rate> rate;
    double timeout = 0;
    double kill_after = 5;
    std::optional<MaxFail> max_fail;
    std::string name;
    bool progress = false;
};

Result<Plan> make_plan(const EachOptions& o, int err_fd) {
    Plan plan;
    plan.concurrency = o.concurrency > 0 ? o.concurrency : (o.batch > 0 ? o.batch : 1);
    auto sleep = parse_duration(o.batch_sleep);
    if (!sleep) {
        return make_error(fmt::format("--batch-sleep: {}", sleep.error()));
    }
    plan.batch_sleep = *sleep;
    if (!o.rate.empty()) {
        auto rate = parse_rate(o.rate);
        if (!rate) {
            return std::move(rate).take_error();
        }
        plan.rate = *rate;
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
        plan.max_fail = *limit;
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

}  // namespace

std::string summary_line(std::size_t ok, std::size_t failed, std::size_t total) {
    std::size_t done = ok + failed;
    return fmt::format("Finished {} / {} actions: {} ok, {} failed, {} not started", done, total, ok, failed,
                       total - done);
}

int run_each(const EachOptions& options, int out_fd, int err_fd, Diagnostics& diag) {
    auto command = CommandTemplate::parse(options.command);
    if (!command) {
        diag.error(command.error());
        return exit_code::k_usage;
    }
    auto planned = make_plan(options, err_fd);
    if (!planned) {
        diag.error(planned.error());
        return exit_code::k_usage;
    }
    const Plan& plan = *planned;

    Input input(options.input, diag);
    if (auto opened = input.open(); !opened) {
        diag.error(opened.error());
        return exit_code::k_io;
    }
    Writer out(out_fd);
    input.set_idle([&out] { (void)out.flush(); });
    bool stdin_input = options.input.files.empty() ||
                       std::find(options.input.files.begin(), options.input.files.end(), "-") != options.input.files.end();

    // Stop signals and child exits are taken only while waiting (ppoll), so
    // none is lost between a check and the wait.
    SignalGate gate({SIGINT, SIGTERM});
    Runner runner(gate, options.output_limit, plan.kill_after);
    IdGenerator ids;

    std::deque<Job> pending;
    std::map<uint64_t, Job> running;
    uint64_t next_tag = 1;
    std::size_t total = 0, started = 0, ok = 0, failed = 0;
    std::size_t batch_started = 0, batch_done = 0, batch_failed = 0;
    bool input_open = true;
    bool stopping = false;  // a signal: start nothing new
    bool failing = false;   // --max-fail exceeded: start nothing new
    int signals_seen = 0;
    double next_start = 0;   // --rate: monotonic time of the next allowed start
    double sleep_until = 0;  // --batch-sleep: monotonic end of the pause
    std::string progress_text;
    Record record;

    auto show_progress = [&] {
        if (!plan.progress) {
            return;
        }
        std::string text = fmt::format("\revbatch: {} running, {} ok, {} failed, {} waiting\x1b[K",
                                       runner.running(), ok, failed, pending.size());
        if (text != progress_text) {
            write_fd(err_fd, text);
            progress_text = std::move(text);
        }
    };

    for (;;) {
        int seen = signals::stop_count();
        if (seen > signals_seen) {
            if (signals_seen == 0) {
                stopping = true;
            }
            if (seen >= 2 && signals_seen < 2) {
                runner.kill_all(false);
            }
            if (seen >= 3) {
                runner.kill_all(true);
            }
            signals_seen = seen;
        }

        bool input_idle = false;
        while (input_open && !stopping && !failing && pending.size() < k_max_pending) {
            Input::Next got = input.next(record, 0);
            if (got == Input::Next::timeout) {
                input_idle = true;
                break;
            }
            if (got == Input::Next::end) {
                input_open = false;
                break;
            }
            Job job;
            if (auto r = command->render(record.root, job.argv); !r) {
                input.reject(record, r.error());
                continue;
            }
            if (options.dry_run) {
                out.buffer() += shell_quote(job.argv);
                out.end_line();
                continue;
            }
            job.subject = string_field(record.root, "subject");
            job.cause = string_field(record.root, "id");
            job.line.assign(record.line);
            pending.push_back(std::move(job));
            ++total;
        }
        if (input.fatal()) {
            stopping = true;
        }

        for (Finished& f : runner.take_finished()) {
            auto it = running.find(f.tag);
            ResultContext ctx{it->second.subject, plan.name, it->second.cause, ids.next(), std::round(wall_clock().now() * 1000) / 1000,
                              plan.timeout};
            write_canonical(result_event(f, ctx), out.buffer());
            out.end_line();
            running.erase(it);
            ++batch_done;
            if (succeeded(f)) {
                ++ok;
            } else {
                ++failed;
                ++batch_failed;
                if (plan.max_fail && !failing) {
                    bool over = false;
                    if (options.batch > 0) {
                        std::size_t size = options.batch;
                        if (!input_open) {
                            size = std::min(size, batch_started + pending.size());
                        }
                        over = plan.max_fail->exceeded(static_cast<double>(batch_failed), static_cast<double>(size));
                    } else {
                        over = plan.max_fail->exceeded(static_cast<double>(failed), static_cast<double>(total));
                    }
                    if (over) {
                        failing = true;
                        diag.error(fmt::format("stopping: {} of {} actions failed, more than --max-fail {}", failed,
                                               started, options.max_fail));
                    }
                }
            }
        }

        double now = monotonic_now();
        if (options.batch > 0 && batch_started > 0 && batch_done == batch_started &&
            (batch_started == options.batch || (pending.empty() && !input_open))) {
            batch_started = batch_done = batch_failed = 0;
            sleep_until = now + plan.batch_sleep;
        }
        while (!stopping && !failing && !pending.empty() && runner.running() < plan.concurrency &&
               now >= sleep_until && now >= next_start && (options.batch == 0 || batch_started < options.batch)) {
            Job job = std::move(pending.front());
            pending.pop_front();
            uint64_t tag = next_tag++;
            SpawnRequest request;
            request.argv = job.argv;
            if (!job.subject.empty()) {
                request.env.push_back("EV_SUBJECT=" + job.subject);
            }
            request.input = job.line + "\n";
            request.timeout = plan.timeout;
            request.tag = tag;
            running.emplace(tag, std::move(job));
            runner.start(request);
            ++started;
            ++batch_started;
            if (plan.rate) {
                next_start = now + plan.rate->interval();
            }
        }

        show_progress();
        bool nothing_left = pending.empty() && !input_open;
        if (runner.running() == 0 && running.empty() && (stopping || failing || nothing_left)) {
            break;
        }
        (void)out.flush();
        if (out.broken() || out.failed()) {
            stopping = true;
        }

        int timeout_ms = -1;
        if (!stopping && !failing && !pending.empty() && runner.running() < plan.concurrency) {
            double when = std::max(sleep_until, next_start);
            if (when > now) {
                timeout_ms = ms_until(when, now);
            }
        }
        bool want_input = input_open && !stopping && !failing && pending.size() < k_max_pending;
        if (want_input && input_idle && !stdin_input) {
            // A named FIFO: Input keeps its descriptor, so look again soon.
            timeout_ms = timeout_ms < 0 ? 20 : std::min(timeout_ms, 20);
        }
        if (want_input && !input_idle) {
            timeout_ms = 0;
        }
        runner.wait(timeout_ms, want_input && stdin_input && input_idle ? 0 : -1);
    }

    input.finish();
    (void)out.flush();
    if (plan.progress) {
        write_fd(err_fd, "\r\x1b[K");
    }
    if (!options.dry_run && (stopping || failing || plan.progress)) {
        write_fd(err_fd, summary_line(ok, failed, total) + "\n");
    }
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
    return failed > 0 || failing ? k_action_failed : exit_code::k_ok;
}

}  // namespace ev::batch
