// evgraphite: write metric events to Graphite's carbon, losing nothing across an outage.
#include <CLI/CLI.hpp>

#include "core/cli.h"
#include "core/diag.h"
#include "core/exit_code.h"
#include "core/input.h"
#include "core/io.h"
#include "core/signals.h"
#include "core/stats.h"
#include "graphite/graphite.h"

int main(int argc, char** argv) {
    ev::graphite::Options options;
    bool no_diverse = false;
    CLI::App app{
        "Write metric events to Graphite's carbon (plaintext protocol), keeping every datapoint "
        "across outages.",
        "evgraphite"};
    app.add_option("FILE", options.input.files, "Input files ('-' is stdin; default stdin)");
    app.add_option("-d,--destination", options.destinations,
                   "Carbon line receiver, repeatable; several are placed by carbon's consistent hash ring "
                   "(default 127.0.0.1:2003)")
        ->type_name("HOST:PORT[:INSTANCE]")
        ->allow_extra_args(false);
    app.add_option("-p,--path", options.path_template, "Metric path template (default {subject}.{name})")
        ->type_name("TEMPLATE");
    app.add_option("--prefix", options.prefix, "Path parts put in front of every path")->type_name("PREFIX");
    app.add_flag("--reverse-subject", options.reverse_subject,
                 "Reverse the labels of the subject (www.example.com -> com.example.www) instead of replacing "
                 "its dots with _");
    app.add_option("--replication", options.replication, "Send each series to N destinations of the ring (default 1)")
        ->type_name("N");
    app.add_flag("--no-diverse-replicas", no_diverse, "Let replicas share a host (carbon's DIVERSE_REPLICAS = False)");
    app.add_option("--spool", options.spool_dir,
                   "Keep datapoints that do not fit in memory, or are left at exit, "
                   "in DIR; replayed in order")
        ->type_name("DIR");
    ev::add_size_option(app, "--buffer-size", options.buffer_size,
                        "Memory per destination before spilling to the spool or holding input (default 64M)", 0);
    ev::add_size_option(app, "--batch", options.batch, "Bytes gathered before a write to carbon (default 64K)", 1,
                        std::size_t{1} << 30)
        ->type_name("BYTES");
    ev::add_duration_option(app, "--drain-timeout", options.drain_timeout,
                            "At exit, time allowed to deliver what is queued before spooling it (default 10s)");
    ev::add_duration_option(app, "--connect-timeout", options.connect_timeout,
                            "Time a connection attempt may take (default 5s)");
    ev::add_duration_option(app, "--reconnect-max", options.reconnect_max,
                            "Longest wait between connection attempts (default 30s)");
    ev::add_duration_option(
        app, "--resend-window", options.resend_window,
        "After a connection breaks, also re-send datapoints acknowledged this long before (default 10s; 0s: off)");
    app.add_flag("--pass", options.pass, "Also write every input event to stdout, unchanged");
    app.add_flag("-n,--dry-run", options.dry_run,
                 "Connect nowhere; print 'DESTINATION PATH VALUE TIME' for each datapoint");
    app.get_option("--pass")->excludes("--dry-run");
    ev::add_input_options(app, options.input);
    ev::StatsOptions stats;
    ev::add_stats_options(app, stats);
    ev::OutputOptions output;
    ev::add_version_flag(app, "evgraphite");
    if (auto code = ev::parse_cli(app, argc, argv)) {
        return *code;
    }
    options.diverse_replicas = !no_diverse;
    options.stats_interval = stats.interval;
    ev::signals::install();
    ev::Diagnostics diag("evgraphite");
    if (options.dry_run && stats.interval > 0 && options.input.kafka.self_to.empty()) {
        diag.error("--stats-interval with --dry-run needs --self-to FILE: the output is carbon lines, not events");
        return ev::exit_code::k_usage;
    }
    auto io = ev::open_io(options.input, output, diag);
    if (!io) {
        diag.error(io.error());
        return ev::exit_code::k_usage;
    }
    return ev::graphite::run(options, *io->input, *io->out, diag);
}
