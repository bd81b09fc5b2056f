// evsrc-nagios: run Nagios plugins on a schedule, once, or read their output
// and perfdata files, writing status and metric events.
#include <fmt/format.h>
#include <CLI/CLI.hpp>

#include <algorithm>

#include "core/cli.h"
#include "core/diag.h"
#include "core/duration.h"
#include "core/exit_code.h"
#include "core/host.h"
#include "core/io.h"
#include "core/self_status.h"
#include "core/signals.h"
#include "core/stats.h"
#include "core/writer.h"
#include "nagios/app.h"
#include "nagios/checklist.h"
#include "nagios/event.h"
#include "nagios/follow.h"
#include "nagios/scheduler.h"
#include "nagios/text.h"

namespace {

// CLI11 validators for the option forms lib/ parses.
std::string check_duration(const std::string& text) {
    auto d = ev::parse_duration(text);
    return d ? std::string() : d.error();
}

std::string check_positive_duration(const std::string& text) {
    auto d = ev::parse_duration(text);
    if (!d) {
        return d.error();
    }
    return *d > 0 ? std::string() : "must be above zero";
}

std::string check_size(const std::string& text) {
    auto s = ev::nagios::parse_size(text);
    return s ? std::string() : s.error();
}

std::string check_state(const std::string& text) {
    return ev::parse_state(text) ? std::string() : "expected ok, warning, critical or unknown";
}

double duration_of(const std::string& text) {
    return *ev::parse_duration(text);
}

}  // namespace

int main(int argc, char** argv) {
    CLI::App app{"Run Nagios plugins and read Nagios perfdata files, writing NDJSON status and metric events.",
                 "evsrc-nagios"};
    app.require_subcommand(1);
    ev::add_version_flag(app, "evsrc-nagios");

    std::string timeout = "60s";
    std::string max_output = "8K";
    std::string timeout_state = "critical";
    std::string subject;
    std::vector<std::string> tags;
    bool no_metrics = false;
    auto add_common = [&](CLI::App* sub, bool runs) {
        sub->add_option("--subject", subject, "Subject of the events (default: this host's FQDN)")->type_name("NAME");
        sub->add_option("--tag", tags, "Add tag KEY=VALUE to every event (repeatable)")
            ->type_name("KEY=VALUE")
            ->allow_extra_args(false);
        sub->add_flag("--no-metrics", no_metrics, "Write no metric events, only status events");
        sub->add_option("--max-output", max_output, "Bytes of output kept, with K or M (default 8K)")
            ->type_name("SIZE")
            ->check(CLI::Validator(check_size, ""));
        sub->add_option("--timeout-state", timeout_state, "State of a timed-out run (default critical)")
            ->type_name("STATE")
            ->check(CLI::Validator(check_state, ""));
        if (runs) {
            sub->add_option("--timeout", timeout, "Kill a plugin after DURATION (default 60s)")
                ->type_name("DURATION")
                ->check(CLI::Validator(check_positive_duration, ""));
        }
    };

    // Where plugins and $USERn$ macros come from (run, once, check).
    std::string plugin_dir = "/usr/lib/nagios/plugins";
    std::string resource_path;
    auto add_plugins = [&](CLI::App* sub) {
        sub->add_option("--plugin-dir", plugin_dir,
                        "Where bare plugin names are found, before PATH (default /usr/lib/nagios/plugins)")
            ->type_name("DIR");
        sub->add_option("--resource", resource_path, "Nagios resource file defining $USERn$ macros")->type_name("FILE");
    };

    ev::nagios::OneShotOptions one;
    std::string kill_grace = "2s";
    std::string ttl;
    std::string interval;
    auto* parse = app.add_subcommand("parse", "Read plugin output on stdin and write its events");
    parse->add_option("--name", one.name, "Check name")->required()->type_name("NAME");
    parse->add_option("--exit-code", one.exit_code, "The plugin's exit code")->required()->type_name("N");
    parse->add_option("--ttl", ttl, "ttl of the status event")
        ->type_name("DURATION")
        ->check(CLI::Validator(check_duration, ""));
    parse->add_option("--time", one.time, "Event time, epoch seconds (default now)")->type_name("EPOCH");
    parse->add_option("--duration", one.duration, "data.duration in seconds")->type_name("SECONDS");
    add_common(parse, false);

    auto* once = app.add_subcommand("once", "Run one plugin once and write its events");
    once->add_option("--name", one.name, "Check name (default: the command's base name)")->type_name("NAME");
    once->add_option("--ttl", ttl, "ttl of the status event")
        ->type_name("DURATION")
        ->check(CLI::Validator(check_duration, ""));
    once->add_option("--interval", interval, "How often cron runs it: ttl is 2*interval+timeout")
        ->type_name("DURATION")
        ->check(CLI::Validator(check_duration, ""));
    add_common(once, true);
    once->add_option("--kill-grace", kill_grace, "From SIGTERM to SIGKILL after the timeout (default 2s)")
        ->type_name("DURATION")
        ->check(CLI::Validator(check_duration, ""));
    once->add_flag("--exit-state", one.exit_state, "Exit with the state's code (0-3), as the plugin would");
    add_plugins(once);
    once->prefix_command();
    once->footer("COMMAND [ARG...] follows the options (optionally after --); it is run directly, never by a shell.");

    ev::nagios::SchedulerOptions sched;
    std::string heartbeat = "30s";
    std::string run_for = "0";
    bool no_splay = false;
    auto* run = app.add_subcommand("run", "Run the checks of CONFIG on their schedule (SIGHUP reloads)");
    run->add_option("CONFIG", sched.config_path, "Check list, see evsrc-nagios(1)")->required();
    run->add_option("--max-concurrent", sched.max_concurrent, "Plugins running at once at most (default 32)")
        ->type_name("N")
        ->check(CLI::Range(std::size_t{1}, std::size_t{4096}));
    run->add_option("--heartbeat", heartbeat, "Interval of the scheduler's own status; 0 turns it off (default 30s)")
        ->type_name("DURATION")
        ->check(CLI::Validator(check_duration, ""));
    run->add_option("--kill-grace", kill_grace, "From SIGTERM to SIGKILL after a timeout (default 2s)")
        ->type_name("DURATION")
        ->check(CLI::Validator(check_duration, ""));
    ev::StatsOptions stats;
    ev::add_stats_options(*run, stats);
    run->add_flag("--no-splay", no_splay, "Run every check at start instead of spreading them over their interval");
    run->add_option("--run-for", run_for, "Stop after DURATION (tests, benchmarks)")
        ->type_name("DURATION")
        ->check(CLI::Validator(check_duration, ""));
    add_common(run, true);
    add_plugins(run);

    std::string check_config;
    auto* check =
        app.add_subcommand("check", "Check CONFIG: parse it, resolve macros and plugins, report each problem");
    check->add_option("CONFIG", check_config, "Check list, see evsrc-nagios(1)")->required();
    add_plugins(check);

    ev::nagios::PerfFileOptions perf;
    std::string poll = "200ms";
    auto* perfdata = app.add_subcommand("perfdata", "Read Nagios/Icinga perfdata files (PNP4Nagios or default format)");
    perfdata->add_option("FILE", perf.files, "Perfdata files ('-' is stdin, without --follow)")->required();
    perfdata->add_flag("-f,--follow", perf.follow, "Keep reading as the files grow; survive rotation (tail -F)");
    perfdata->add_flag("--from-end", perf.from_end, "With --follow: skip what the files already hold");
    perfdata->add_option("--poll-interval", poll, "With --follow: how often to look for new data (default 200ms)")
        ->type_name("DURATION")
        ->check(CLI::Validator(check_duration, ""));
    perfdata->add_option("--run-for", run_for, "With --follow: stop after DURATION (tests)")
        ->type_name("DURATION")
        ->check(CLI::Validator(check_duration, ""));
    perfdata->add_flag("--no-metrics", no_metrics, "Write only status events");
    ev::InputOptions perf_input;
    ev::add_bad_input_options(*perfdata, perf_input);
    ev::OutputOptions output;
    ev::KafkaOptions kafka;
    for (CLI::App* sub : {parse, once, run, perfdata}) {
        ev::add_output_options(*sub, output, kafka);
    }

    // Everything after the first "--" is once's command, taken verbatim
    // (CLI11 would take its words as positionals or options).
    ev::CommandSplit split = ev::split_command(argc, argv);
    std::vector<char*>& args = split.args;
    if (auto code = ev::parse_cli(app, static_cast<int>(args.size()), args.data())) {
        return *code;
    }
    ev::signals::install();
    ev::Diagnostics diag("evsrc-nagios");
    if (check->parsed()) {
        if (split.has_command) {
            diag.error("-- COMMAND is for once only");
            return ev::exit_code::k_usage;
        }
        ev::Writer stdout_writer(1);
        ev::nagios::ChecklistOptions checklist{check_config, resource_path, {}};
        checklist.runner.plugin_dir = plugin_dir;
        return ev::nagios::run_check(checklist, stdout_writer, diag);
    }
    auto sink = ev::open_sink(output, kafka, diag);
    if (!sink) {
        diag.error(sink.error());
        return ev::exit_code::k_usage;
    }
    ev::Sink& out = **sink;

    one.max_output = *ev::nagios::parse_size(max_output);
    one.timeout = duration_of(timeout);
    one.timeout_state = *ev::parse_state(timeout_state);
    one.metrics = !no_metrics;
    one.subject = subject;
    one.tags = tags;
    if (!ttl.empty()) {
        one.ttl = duration_of(ttl);
    }
    if (!interval.empty()) {
        one.interval = duration_of(interval);
    }
    if (split.has_command && !once->parsed()) {
        diag.error("-- COMMAND is for once only");
        return ev::exit_code::k_usage;
    }
    if (parse->parsed()) {
        return ev::nagios::run_parse(one, 0, out, diag);
    }
    if (once->parsed()) {
        // prefix_command: words after the command are its own, even "--x".
        one.command = once->remaining();
        if (!one.command.empty() && one.command.front().size() > 1 && one.command.front()[0] == '-') {
            diag.error(fmt::format("once: unknown option '{}' (put -- before a command that starts with '-')",
                                   one.command.front()));
            return ev::exit_code::k_usage;
        }
        one.command.insert(one.command.end(), split.command.begin(), split.command.end());
        one.kill_grace = duration_of(kill_grace);
        one.plugin_dir = plugin_dir;
        one.resource_path = resource_path;
        return ev::nagios::run_once(one, out, diag);
    }
    if (perfdata->parsed()) {
        if (perf.follow && std::find(perf.files.begin(), perf.files.end(), "-") != perf.files.end()) {
            diag.error("perfdata: --follow needs files, not '-'");
            return ev::exit_code::k_usage;
        }
        perf.metrics = !no_metrics;
        perf.max_line = perf_input.max_line;
        perf.rejects_path = perf_input.rejects_path;
        perf.strict = perf_input.strict;
        perf.poll_interval = std::max(0.01, duration_of(poll));
        perf.run_for = duration_of(run_for);
        return ev::nagios::run_perffile(perf, out, diag);
    }
    auto parsed_tags = ev::nagios::parse_tags(tags);
    if (!parsed_tags) {
        diag.error(parsed_tags.error());
        return ev::exit_code::k_usage;
    }
    sched.defaults.timeout = one.timeout;
    sched.defaults.max_output = one.max_output;
    sched.defaults.timeout_state = one.timeout_state;
    sched.defaults.subject = subject.empty() ? ev::host_fqdn() : subject;
    sched.defaults.tags = *parsed_tags;
    sched.defaults.splay = !no_splay;
    sched.metrics = !no_metrics;
    sched.heartbeat = duration_of(heartbeat);
    sched.stats_interval = stats.interval;
    // The heartbeat is about the host the checks run on: --subject names it
    // when --self-subject does not.
    if (run->get_option("--self-subject")->count() == 0 && !subject.empty()) {
        ev::set_self_subject(subject);
    }
    sched.kill_grace = duration_of(kill_grace);
    sched.run_for = duration_of(run_for);
    sched.plugin_dir = plugin_dir;
    sched.resource_path = resource_path;
    return ev::nagios::run_scheduler(sched, out, diag);
}
