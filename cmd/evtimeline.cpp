// evtimeline: a timeline of the fleet for people, as text, Atom or HTML.
#include <CLI/CLI.hpp>

#include "core/cli.h"
#include "core/diag.h"
#include "core/exit_code.h"
#include "core/io.h"
#include "core/signals.h"
#include "timeline/timeline.h"

int main(int argc, char** argv) {
    ev::timeline::Options options;
    CLI::App app{"Turn NDJSON events into short human lines with hashtags: text, an Atom feed or an HTML page.",
                 "evtimeline"};
    app.add_option("FILE", options.input.files, "Input files ('-' is stdin; default stdin)");
    ev::add_choice_option(app, "-f,--format", options.format, {"text", "atom", "html"}, "Output format");
    app.add_option("-t,--templates", options.templates_path, "Templates file (NDJSON; see evtimeline(1))")
        ->type_name("FILE");
    app.add_option("-s,--select", options.select, "Only events for which EXPR is true")->type_name("EXPR");
    app.add_option("--tag", options.hashtags, "Only lines carrying this hashtag (repeatable: any of them)")
        ->type_name("TAG")
        ->allow_extra_args(false);
    app.add_option("-o,--output", options.output, "Atom or HTML: replace FILE atomically (default stdout)")
        ->type_name("FILE");
    app.add_option("-n,--max-entries", options.max_entries, "Atom or HTML: keep the newest N lines")
        ->type_name("N")
        ->capture_default_str();
    app.add_option("--feed-id", options.feed_id, "Atom: the feed's id (a URI)")->capture_default_str();
    app.add_option("--title", options.title, "Atom or HTML: the title")->capture_default_str();
    ev::add_input_options(app, options.input);
    ev::add_version_flag(app, "evtimeline");
    if (auto code = ev::parse_cli(app, argc, argv)) {
        return *code;
    }
    ev::signals::install();
    ev::Diagnostics diag("evtimeline");
    ev::OutputOptions output;
    auto io = ev::open_io(options.input, output, diag);
    if (!io) {
        diag.error(io.error());
        return ev::exit_code::k_usage;
    }
    return ev::timeline::run(options, *io->input, *io->out, diag);
}
