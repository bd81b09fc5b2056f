// evplot: draw the metrics of an event stream (line, hist, spark) on the terminal or as SVG.
#include <CLI/CLI.hpp>

#include "core/cli.h"
#include "core/diag.h"
#include "core/exit_code.h"
#include "core/io.h"
#include "core/signals.h"
#include "plot/plot.h"

namespace {

// The options every picture kind takes.
void add_common_options(CLI::App& app, ev::plot::Options& options) {
    app.add_option("FILE", options.input.files, "Input files ('-' is stdin; default stdin)");
    app.add_option("-f,--field", options.field, "Path of the value to draw")->capture_default_str();
    app.add_option("--by", options.by, "Fields naming a series (default subject,name)")
        ->type_name("FIELD,...")
        ->delimiter(',');
    app.add_option("--title", options.title, "Title above the picture");
    app.add_option("--unit", options.unit, "Unit of the value (default: the first event's unit)");
    app.add_flag("--ascii", options.ascii, "Plain ASCII instead of Unicode braille and blocks");
    app.add_option("-W,--width", options.width, "Width in characters (default: the terminal's, else 80)");
    app.add_option("-H,--height", options.height, "Height in lines (default: the terminal's, else 24)");
    app.add_option("--since", options.since, "Only events at or after TIME (epoch seconds or RFC 3339)")
        ->type_name("TIME");
    app.add_option("--until", options.until, "Only events before TIME")->type_name("TIME");
    ev::add_input_options(app, options.input);
}

}  // namespace

int main(int argc, char** argv) {
    ev::plot::Options options;
    CLI::App app{"Draw the metrics of NDJSON events: a line chart with markers, a histogram or sparklines.", "evplot"};
    app.require_subcommand(1);
    CLI::App* line = app.add_subcommand("line", "Series over time, with vertical markers at chosen events");
    CLI::App* hist = app.add_subcommand("hist", "The distribution of a field in buckets");
    CLI::App* spark = app.add_subcommand("spark", "One sparkline per series");
    for (CLI::App* sub : {line, hist, spark}) {
        add_common_options(*sub, options);
    }
    for (CLI::App* sub : {line, hist}) {
        sub->add_option("--svg", options.svg, "Write a self-contained SVG file instead of the terminal")
            ->type_name("FILE");
    }
    for (CLI::App* sub : {line, hist, spark}) {
        sub->add_option("--graphite", options.graphite, "Series from this graphite-web's render API, not from events")
            ->type_name("URL");
        sub->add_option("--target", options.targets, "With --graphite: a render target (repeatable)")
            ->type_name("TARGET")
            ->allow_extra_args(false);
    }
    line->add_option("--markers", options.markers, "Vertical markers at events for which EXPR is true")
        ->type_name("EXPR");
    hist->add_option("--buckets", options.buckets, "Number of buckets")->capture_default_str();
    hist->add_option("--range", options.range, "Bucket over MIN:MAX, streaming (default: hold the values)")
        ->type_name("MIN:MAX");
    ev::add_version_flag(app, "evplot");
    if (auto code = ev::parse_cli(app, argc, argv)) {
        return *code;
    }
    options.chart = hist->parsed()    ? ev::plot::Chart::hist
                    : spark->parsed() ? ev::plot::Chart::spark
                                      : ev::plot::Chart::line;
    ev::signals::install();
    ev::Diagnostics diag("evplot");
    ev::OutputOptions output;
    auto io = ev::open_io(options.input, output, diag);
    if (!io) {
        diag.error(io.error());
        return ev::exit_code::k_usage;
    }
    return ev::plot::run(options, *io->input, *io->out, diag);
}
