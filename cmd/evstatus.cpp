// evstatus: current state per identity, alerts on transitions, non-OK
// results, expiry and flapping; `show` and `check` query the state file,
// `forget` drops identities from it, `top` is a live board of them.
#include <CLI/CLI.hpp>

#include "core/cli.h"
#include "core/diag.h"
#include "core/exit_code.h"
#include "core/io.h"
#include "core/signals.h"
#include "status/cli.h"
#include "status/query.h"
#include "status/status.h"
#include "status/top.h"

int main(int argc, char** argv) {
    ev::status::Options options;
    CLI::App app{"Keep the current state per identity (subject, name) and insert alerts into the event stream.",
                 "evstatus"};
    ev::status::add_filter_options(app, options);
    ev::add_input_options(app, options.input);
    ev::OutputOptions output;
    ev::add_output_options(app, output, options.input.kafka);
    ev::add_version_flag(app, "evstatus");

    ev::status::ShowOptions show;
    CLI::App* show_cmd = app.add_subcommand("show", "Print the current states of a state file");
    show_cmd->add_option("--state", show.state_path, "The state file")->type_name("FILE")->required();
    show_cmd->add_flag("--json", show.json, "NDJSON instead of a table (the same as --format json)");
    show_cmd->add_option("--format", show.format, "table (default), json, or openmetrics (Prometheus text 0.0.4)")
        ->type_name("table|json|openmetrics");
    show_cmd->add_option("--output", show.output, "Write to FILE atomically instead of standard output")
        ->type_name("FILE");
    show_cmd->add_option("--silences", show.silences_path, "Mark identities a silence of FILE covers (evbatch's)")
        ->type_name("FILE");
    show_cmd->add_option("EXPR", show.expression, "Show only identities for which EXPR is true");

    ev::status::CheckOptions check;
    CLI::App* check_cmd = app.add_subcommand("check", "One Nagios check over the identities of a state file");
    check_cmd->add_option("--state", check.state_path, "The state file")->type_name("FILE")->required();
    check_cmd->add_option("--name", check.name, "Label of the aggregate line (default EVSTATUS)");
    check_cmd->add_option("--max-age", check.max_age, "Report subjects not refreshed within DURATION")
        ->type_name("DURATION");
    check_cmd->add_option("--warn-count", check.warn_count, "WARNING at or above N (or N%) non-OK / old")
        ->type_name("N|N%");
    check_cmd->add_option("--crit-count", check.crit_count, "CRITICAL at or above N (or N%) non-OK / old")
        ->type_name("N|N%");
    check_cmd->add_option("--now", check.now, "Measure ages against TIME (epoch seconds or RFC 3339)")
        ->type_name("TIME");
    check_cmd->add_option("--max-list", check.max_list, "List at most N subjects per state (default 20; 0: all)")
        ->type_name("N");
    check_cmd->add_option("--expect", check.expect_path, "Identities that must be there (host list); unseen: UNKNOWN")
        ->type_name("FILE");
    check_cmd->add_option("EXPR", check.expression, "Check only identities for which EXPR is true");

    ev::status::ForgetOptions forget;
    CLI::App* forget_cmd = app.add_subcommand("forget", "Drop the identities EXPR selects from a state file");
    forget_cmd->add_option("--state", forget.state_path, "The state file")->type_name("FILE")->required();
    forget_cmd->add_option("EXPR", forget.expression, "The identities to drop")->required();

    ev::status::TopOptions top;
    CLI::App* top_cmd = app.add_subcommand("top", "A live board of the current states, worst first");
    top_cmd->add_option("--state", top.state_path, "The state file (re-read when it changes)")
        ->type_name("FILE")
        ->required();
    top_cmd->add_option("--interval", top.interval, "Look at the state file this often (default 2s)")
        ->type_name("DURATION");
    top_cmd->add_option("--silences", top.silences_path, "Flag identities a silence of FILE covers (evbatch's)")
        ->type_name("FILE");
    top_cmd->add_option("EXPR", top.expression, "Show only identities for which EXPR is true ('/' changes it)");

    if (auto code = ev::parse_cli(app, argc, argv)) {
        return *code;
    }
    ev::Diagnostics diag("evstatus");
    if (show_cmd->parsed()) {
        return ev::status::show(show, 1, diag);
    }
    if (check_cmd->parsed()) {
        return ev::status::check(check, 1, diag);
    }
    if (top_cmd->parsed()) {
        ev::signals::install();  // SIGINT, SIGTERM, SIGWINCH through the loop: the terminal is restored
        return ev::status::top(top, 1, diag);
    }
    if (forget_cmd->parsed()) {
        return ev::status::forget(forget, 1, diag);
    }
    ev::signals::install();
    auto io = ev::open_io(options.input, output, diag);
    if (!io) {
        diag.error(io.error());
        return ev::exit_code::k_usage;
    }
    return ev::status::run(options, *io->input, *io->out, diag);
}
