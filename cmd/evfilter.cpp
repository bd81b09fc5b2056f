// evfilter: select events by expression and rewrite fields.
#include <CLI/CLI.hpp>

#include "core/cli.h"
#include "core/diag.h"
#include "core/exit_code.h"
#include "core/io.h"
#include "core/signals.h"
#include "core/stats.h"
#include "filter/filter.h"

int main(int argc, char** argv) {
    ev::filter::Options options;
    CLI::App app{"Select NDJSON events for which EXPR is true, optionally rewriting fields.", "evfilter"};
    app.add_option("EXPR", options.expression, "Expression (see evfilter(1) and docs/expressions.md)")->required();
    app.add_option("FILE", options.input.files, "Input files ('-' is stdin; default stdin)");
    app.add_flag("-v,--invert", options.invert, "Write the events for which EXPR is false");
    app.add_flag("-c,--count", options.count, "Print only the number of selected events");
    app.add_option("-m,--max-count", options.max_count, "Stop after N selected events")->type_name("N");
    app.add_option("--set", options.sets, "Set PATH to the value of EXPR (repeatable)")
        ->type_name("PATH=EXPR")
        ->allow_extra_args(false);
    app.add_option("--del", options.dels, "Delete the field at PATH (repeatable)")
        ->type_name("PATH")
        ->allow_extra_args(false);
    app.add_option("--each", options.each, "One output per element of the array at PATH, the element bound to 'item'")
        ->type_name("PATH");
    app.add_option("--keep", options.keeps, "Write only these fields (repeatable; applied last)")
        ->type_name("PATH")
        ->allow_extra_args(false);
    app.add_option("-r,--raw", options.raw, "Print the value of EXPR per selected event, strings unquoted")
        ->type_name("EXPR");
    app.add_flag("--raw-control", options.raw_control, "With -r, write control characters unescaped");
    ev::add_input_options(app, options.input);
    ev::add_stats_options(app, options.stats);
    ev::OutputOptions output;
    ev::add_output_options(app, output, options.input.kafka);
    ev::add_version_flag(app, "evfilter");
    if (auto code = ev::parse_cli(app, argc, argv)) {
        return *code;
    }
    ev::signals::install();
    ev::Diagnostics diag("evfilter");
    if (!options.raw.empty() && !output.to.empty()) {
        diag.error("-r prints values for people and shells, not events: it takes no --to");
        return ev::exit_code::k_usage;
    }
    if ((options.count || !options.raw.empty()) && options.stats.interval > 0 && options.input.kafka.self_to.empty()) {
        diag.error("--stats-interval with -c or -r needs --self-to FILE: the output is not events");
        return ev::exit_code::k_usage;
    }
    auto io = ev::open_io(options.input, output, diag);
    if (!io) {
        diag.error(io.error());
        return ev::exit_code::k_usage;
    }
    return ev::filter::run(options, *io->input, *io->out, diag);
}
