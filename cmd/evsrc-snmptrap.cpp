// evsrc-snmptrap: receive SNMP traps and informs on UDP (or read snmptrapd's
// traphandle input) and write them as NDJSON status and archive events.
#include <fmt/format.h>
#include <CLI/CLI.hpp>

#include "core/cli.h"
#include "core/diag.h"
#include "core/exit_code.h"
#include "core/io.h"
#include "core/signals.h"
#include "core/stats.h"
#include "snmptrap/names.h"
#include "snmptrap/receiver.h"

int main(int argc, char** argv) {
    CLI::App app{"Receive SNMP traps and informs and write them as NDJSON status and archive events.",
                 "evsrc-snmptrap"};
    ev::add_version_flag(app, "evsrc-snmptrap");
    ev::snmptrap::ReceiverOptions options;
    app.add_option("--listen", options.listen,
                   "Address to receive on, ADDR:PORT or [ADDR]:PORT (repeatable; default 0.0.0.0:162 and [::]:162)")
        ->type_name("ADDR:PORT")
        ->allow_extra_args(false);
    app.add_option("--community", options.communities, "Accept only this v1/v2c community (repeatable)")
        ->type_name("NAME")
        ->allow_extra_args(false);
    app.add_option("--max-rate", options.max_rate, "Traps a second accepted per source address; 0: no limit (default)")
        ->type_name("N")
        ->check(CLI::Validator(
            [](const std::string& text) {
                return CLI::Range(0.0, 1e9)(text).empty() ? std::string() : "expected a number from 0 to 1e9";
            },
            ""));
    ev::add_duration_option(app, "--inform-window", options.inform_window,
                            "How long a retransmitted inform counts as a duplicate (default 30s)");
    ev::add_size_option(app, "--queue-size", options.queue_size,
                        "Bytes of events waiting for output at most; beyond, events are dropped (default 64M)", 4096);
    ev::add_size_option(app, "--receive-buffer", options.receive_buffer,
                        "Socket receive buffer asked for (default 32M)", 4096);
    app.add_option("--rules", options.rules_path, "Rules file, tried before the built-in rules (see evsrc-snmptrap(1))")
        ->type_name("FILE");
    bool no_builtin = false;
    app.add_flag("--no-builtin-rules", no_builtin, "Do not map linkDown/linkUp onto IF-MIB::ifOperStatus.N");
    app.add_option("--map", options.map_path, "Subjects of agent addresses: ADDRESS NAME lines")->type_name("FILE");
    app.add_flag("--resolve", options.resolve, "Subjects by reverse DNS (cached), where --map has none");
    std::string mibs;
    app.add_option("--mibs", mibs, "Load every MIB file in DIR for OID names beyond the built-in table")
        ->type_name("DIR")
        ->check(CLI::Validator(
            [](const std::string& text) {
                return CLI::ExistingDirectory(text).empty() ? std::string() : "not a directory";
            },
            ""));
    app.add_option("--user", options.user, "Drop to USER after binding the sockets (when started as root)")
        ->type_name("USER");
    ev::StatsOptions stats;
    ev::add_stats_options(app, stats);
    ev::add_duration_option(app, "--drain-timeout", options.drain_timeout,
                            "At exit, how long queued events may take to be written (default 5s)");
    ev::add_duration_option(app, "--run-for", options.run_for, "Stop after DURATION (tests, benchmarks)");
    bool from_snmptrapd = false;
    app.add_flag("--stdin-snmptrapd", from_snmptrapd, "Read snmptrapd traphandle input on stdin instead of listening");
    bool check = false;
    app.add_flag("--check", check, "Check the rules and map files and exit");
    ev::OutputOptions output;
    ev::KafkaOptions kafka;
    ev::add_output_options(app, output, kafka);
    if (auto code = ev::parse_cli(app, argc, argv)) {
        return *code;
    }
    ev::Diagnostics diag("evsrc-snmptrap");
    options.stats_interval = stats.interval;
    options.builtin_rules = !no_builtin;
    if (options.listen.empty()) {
        options.listen = {"0.0.0.0:162", "[::]:162"};
        options.default_listen = true;
    }
    ev::snmptrap::init_library(mibs);
    if (check) {
        auto rules = ev::snmptrap::load_rule_set(options);
        if (!rules) {
            diag.error(rules.error());
            return ev::exit_code::k_usage;
        }
        if (!options.map_path.empty()) {
            auto map = ev::snmptrap::Subjects::load_map(options.map_path);
            if (!map) {
                diag.error(map.error());
                return ev::exit_code::k_usage;
            }
        }
        fmt::print("{} rules OK\n", rules->rules().size());
        return ev::exit_code::k_ok;
    }
    ev::signals::install();
    auto sink = ev::open_sink(output, kafka, diag);
    if (!sink) {
        diag.error(sink.error());
        return ev::exit_code::k_usage;
    }
    if (from_snmptrapd) {
        return ev::snmptrap::run_snmptrapd_input(options, 0, **sink, diag);
    }
    return ev::snmptrap::run_receiver(options, **sink, diag);
}
