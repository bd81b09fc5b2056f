// evroute: rule-based fan-out of events to files, consumers and callbacks.
#include <sys/stat.h>

#include <CLI/CLI.hpp>

#include "core/cli.h"
#include "core/diag.h"
#include "core/exit_code.h"
#include "core/input.h"
#include "core/io.h"
#include "core/signals.h"
#include "core/stats.h"
#include "route/router.h"

int main(int argc, char** argv) {
    ev::route::Options options;
    CLI::App app{"Route NDJSON events by rules to files, FIFOs, long-running consumers and per-event callbacks.",
                 "evroute"};
    std::string first;
    app.add_option("RULES", first, "Rules file (see evroute(1)); with -e or -f it is the first input file");
    app.add_option("-f,--rules-file", options.rules_file, "Rules file, when -e rules are given too")->type_name("FILE");
    app.add_option("FILE", options.input.files, "Input files ('-' is stdin; default stdin)");
    app.add_option("-e,--rule", options.inline_rules, "An inline rule, after the file's rules (repeatable)")
        ->type_name("RULE")
        ->allow_extra_args(false);
    app.add_option("--unmatched", options.unmatched,
                   "Where unmatched events go: a destination, or drop (default stdout)")
        ->type_name("DEST");
    app.add_option("--results", options.results, "Destination of callback failure events")->type_name("DEST");
    ev::add_size_option(app, "--queue-size", options.queue_bytes,
                        "Memory bound of each destination's queue (default 1M)");
    app.add_option("--spool-dir", options.spool_dir, "Directory for spill files (default $TMPDIR or /tmp)")
        ->type_name("DIR");
    app.add_option("--callback-concurrency", options.callback_concurrency,
                   "Calls running at once per callback destination (default 4)")
        ->type_name("N");
    auto* timeout = ev::add_duration_option(app, "--callback-timeout", options.callback_timeout,
                                            "Time limit of one call; then SIGTERM, SIGKILL 1s later (default 30s)");
    ev::StatsOptions stats;
    ev::add_stats_options(app, stats);
    ev::add_duration_option(app, "--drain-timeout", options.drain_timeout,
                            "At end of input, how long to wait for destinations (default 10s)");
    app.add_flag("--check", options.check_only, "Check the rules and exit");
    ev::add_input_options(app, options.input);
    ev::OutputOptions output;
    ev::add_version_flag(app, "evroute");
    if (auto code = ev::parse_cli(app, argc, argv)) {
        return *code;
    }
    ev::Diagnostics diag("evroute");
    if (timeout->count() > 0 && options.callback_timeout <= 0) {
        diag.error(timeout->get_name() + ": must be more than 0");
        return ev::exit_code::k_usage;
    }
    options.stats_interval = stats.interval;
    // With -e or -f the rules are given already, so the first positional is an input file.
    if (!first.empty()) {
        if (options.inline_rules.empty() && options.rules_file.empty()) {
            options.rules_file = first;
        } else {
            options.input.files.insert(options.input.files.begin(), first);
        }
    }
    ev::signals::install();
    // A pipe or socket on stdout may be shared with other processes: evroute
    // writes it only as far as it polls writable, never setting O_NONBLOCK.
    struct stat st {};
    if (::fstat(1, &st) == 0 && (S_ISFIFO(st.st_mode) || S_ISSOCK(st.st_mode))) {
        options.out_poll_fd = 1;
    }
    auto io = ev::open_io(options.input, output, diag);
    if (!io) {
        diag.error(io.error());
        return ev::exit_code::k_usage;
    }
    return ev::route::run(options, *io->input, *io->out, diag);
}
