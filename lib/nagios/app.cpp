#include "nagios/app.h"

#include <unistd.h>

#include <fmt/format.h>

#include <cerrno>
#include <cstring>

#include "core/exit_code.h"
#include "core/host.h"
#include "core/id.h"
#include "core/signals.h"
#include "nagios/event.h"
#include "nagios/resource.h"
#include "nagios/runner.h"

namespace ev::nagios {

namespace {

Result<CheckInfo> make_info(const OneShotOptions& options) {
    CheckInfo info;
    info.name = options.name;
    info.subject = options.subject.empty() ? host_fqdn() : options.subject;
    auto tags = parse_tags(options.tags);
    if (!tags) {
        return std::move(tags).take_error();
    }
    for (const auto& [k, v] : *tags) {
        info.tags.set(k, v);
    }
    info.ttl = options.ttl;
    return info;
}

void report_problems(const Verdict& verdict, const std::string& name, Diagnostics& diag) {
    for (const std::string& problem : verdict.output.perfdata.problems) {
        diag.error(fmt::format("check '{}': skipped malformed perfdata: {}", name, problem));
    }
}

int finish(Sink& out, Diagnostics& diag) {
    if (!out.flush() && out.failed()) {
        diag.error(out.error());
        return exit_code::k_io;
    }
    return exit_code::k_ok;
}

}  // namespace

Result<std::vector<std::pair<std::string, std::string>>> parse_tags(const std::vector<std::string>& tags) {
    std::vector<std::pair<std::string, std::string>> out;
    for (const std::string& tag : tags) {
        std::size_t eq = tag.find('=');
        if (eq == std::string::npos || eq == 0) {
            return make_error(fmt::format("--tag '{}': expected KEY=VALUE", tag));
        }
        out.emplace_back(tag.substr(0, eq), tag.substr(eq + 1));
    }
    return out;
}

int run_parse(const OneShotOptions& options, int in_fd, Sink& out, Diagnostics& diag) {
    auto info = make_info(options);
    if (!info) {
        diag.error(info.error());
        return exit_code::k_usage;
    }
    RunRecord run;
    char chunk[65536];
    while (true) {
        ssize_t n = ::read(in_fd, chunk, sizeof chunk);
        if (n > 0) {
            std::size_t room = options.max_output - std::min(options.max_output, run.out.size());
            run.out.append(chunk, std::min(room, static_cast<std::size_t>(n)));
            run.truncated = run.truncated || static_cast<std::size_t>(n) > room;
            continue;
        }
        if (n < 0 && errno == EINTR && !signals::stop_requested()) {
            continue;
        }
        if (n < 0) {
            diag.error(fmt::format("reading stdin: {}", std::strerror(errno)));
            return exit_code::k_io;
        }
        break;
    }
    run.end.kind = RunEnd::Kind::exited;
    run.end.exit_code = options.exit_code;
    run.time = options.time ? *options.time : wall_clock().now();
    run.duration = options.duration;
    Verdict verdict = judge(run.end, run.out, run.err, options.timeout_state);
    report_problems(verdict, options.name, diag);
    IdGenerator ids;
    write_run_events(*info, verdict, run, options.metrics, ids, out);
    return finish(out, diag);
}

int run_once(const OneShotOptions& options, Sink& out, Diagnostics& diag) {
    OneShotOptions opts = options;
    if (opts.command.empty()) {
        diag.error("once: no command given");
        return exit_code::k_usage;
    }
    if (opts.name.empty()) {
        const std::string& path = opts.command.front();
        std::size_t slash = path.rfind('/');
        opts.name = slash == std::string::npos ? path : path.substr(slash + 1);
    }
    if (!opts.ttl && opts.interval) {
        opts.ttl = 2 * *opts.interval + opts.timeout;
    }
    auto info = make_info(opts);
    if (!info) {
        diag.error(info.error());
        return exit_code::k_usage;
    }
    if (!opts.resource_path.empty()) {
        std::vector<std::string> problems;
        Resources resources = load_resources(opts.resource_path, problems);
        for (const std::string& problem : problems) {
            diag.error(problem);
        }
        if (!problems.empty()) {
            return exit_code::k_usage;
        }
        CheckDef check;
        check.name = opts.name;
        check.argv = opts.command;
        if (auto expanded = expand_user_macros(check, resources); !expanded) {
            diag.error(expanded.error());
            return exit_code::k_usage;
        }
        opts.command = std::move(check.argv);
    }
    RunnerOptions runner_options;
    runner_options.kill_grace = opts.kill_grace;
    runner_options.plugin_dir = opts.plugin_dir;
    Runner runner(runner_options);
    Command command{opts.command, opts.timeout, opts.max_output};
    runner.start(command);
    std::vector<Finished> done;
    while (done.empty()) {
        if (signals::stop_requested()) {
            runner.shutdown(opts.kill_grace);
            return exit_code::k_ok;
        }
        runner.poll(1000, done);
    }
    Verdict verdict =
        judge(done.front().record.end, done.front().record.out, done.front().record.err, opts.timeout_state);
    report_problems(verdict, opts.name, diag);
    IdGenerator ids;
    write_run_events(*info, verdict, done.front().record, opts.metrics, ids, out);
    int code = finish(out, diag);
    // A timed-out plugin's group gets its SIGKILL before we leave: no orphans.
    runner.shutdown(opts.kill_grace);
    if (code != exit_code::k_ok) {
        return code;
    }
    if (done.front().record.end.kind == RunEnd::Kind::spawn_failed) {
        // Its critical event is written; the exit says the plugin never ran.
        diag.error(done.front().record.err.substr(std::string_view("evsrc-nagios: ").size()));
        return exit_code::k_io;
    }
    return opts.exit_state ? severity_of(verdict.state) : exit_code::k_ok;
}

}  // namespace ev::nagios
