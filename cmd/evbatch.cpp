// evbatch: one notification for N failures (group), and actions per event in
// batches with capped concurrency (each).
#include <CLI/CLI.hpp>

#include <cstdio>
#include <string>
#include <vector>

#include "batch/each.h"
#include "batch/group.h"
#include "batch/silence_cmd.h"
#include "core/cli.h"
#include "core/diag.h"
#include "core/exit_code.h"
#include "core/input.h"
#include "core/io.h"
#include "core/signals.h"

namespace {

// Writes text to standard output; false when it could not be written.
bool print(const std::string& text) {
    return std::fwrite(text.data(), 1, text.size(), stdout) == text.size() && std::fflush(stdout) == 0;
}

}  // namespace

int main(int argc, char** argv) {
    ev::signals::install();
    // Everything after the first "--" is the command, taken verbatim: CLI11
    // would mix it with the input FILEs.
    ev::CommandSplit split = ev::split_command(argc, argv);
    std::vector<char*>& args = split.args;
    std::vector<std::string>& command = split.command;
    bool has_command = split.has_command;

    ev::batch::GroupOptions group;
    ev::batch::EachOptions each;
    CLI::App app{"Group events into one notification, or run actions per event in batches.", "evbatch"};
    app.require_subcommand(1);
    ev::add_version_flag(app, "evbatch");

    CLI::App* g =
        app.add_subcommand("group", "Collect status events into groups; notify once per group [-- COMMAND ARGS...]");
    g->add_option("FILE", group.input.files, "Input files ('-' is stdin; default stdin)");
    g->add_option("--by", group.by, "Group key: fields like name,state or an expression (default name,state)")
        ->type_name("FIELDS|EXPR");
    g->add_option("--wait", group.wait, "Wait before a new group's first notification (default 30s)")
        ->type_name("DURATION");
    g->add_option("--interval", group.interval, "Wait before notifying changes to a group (default 5m)")
        ->type_name("DURATION");
    g->add_option("--repeat", group.repeat, "Re-notify an unchanged firing group after (default 4h)")
        ->type_name("DURATION");
    g->add_flag("--no-resolve", group.no_resolve, "Send no notification when a group resolves");
    ev::add_clock_option(*g, group.clock, "wall (default) or event: the events' time fields drive the timers");
    g->add_option("--name", group.name, "Action name in result events (default: the command's basename)")
        ->type_name("NAME");
    g->add_option("--timeout", group.timeout,
                  "Kill a command run after DURATION (TERM, then KILL; default 1m, 0: never)")
        ->type_name("DURATION");
    g->add_option("--kill-after", group.kill_after, "Between TERM and KILL (default 5s)")->type_name("DURATION");
    g->add_option("--drain-timeout", group.drain_timeout,
                  "After SIGTERM, time the last command runs may take before they are stopped (default 10s)")
        ->type_name("DURATION");
    g->add_option("--output-limit", group.output_limit, "Bytes of command output kept in data.output (default 4096)")
        ->type_name("BYTES");
    g->add_option("--silences", group.silences,
                  "Silences file (evbatch silence add); members a silence in force matches send nothing")
        ->type_name("FILE");
    g->add_option("--inhibit", group.inhibit,
                  "While a SOURCE alert fires, mute TARGET alerts with equal FIELDS (repeatable)")
        ->expected(3)
        ->allow_extra_args(false)
        ->multi_option_policy(CLI::MultiOptionPolicy::TakeAll)
        ->type_name("SOURCE TARGET FIELDS");
    g->add_option("--inhibit-rules", group.inhibit_rules,
                  "Inhibit rules, one JSON object per line: {\"source\":EXPR,\"target\":EXPR,\"equal\":[FIELD...]}")
        ->type_name("FILE");
    g->add_option("--state", group.state,
                  "Keep groups, what was sent and the timers in FILE across restarts (locked; saved atomically)")
        ->type_name("FILE");
    ev::add_input_options(*g, group.input);
    ev::add_stats_options(*g, group.stats);
    ev::OutputOptions output;
    ev::add_output_options(*g, output, group.input.kafka);

    CLI::App* e =
        app.add_subcommand("each", "Run -- COMMAND ARGS... once per event; {field} placeholders are filled per event");
    e->add_option("FILE", each.input.files, "Input files ('-' is stdin; default stdin)");
    e->add_option("-c,--concurrency", each.concurrency, "Never more than N actions at once (default: --batch, else 1)")
        ->type_name("N")
        ->check(CLI::PositiveNumber);
    e->add_option("--batch", each.batch, "Start M actions, wait for them, sleep, then the next M")
        ->type_name("M")
        ->check(CLI::PositiveNumber);
    e->add_option("--batch-sleep", each.batch_sleep, "Pause between batches (default 0)")->type_name("DURATION");
    e->add_option("--rate", each.rate, "At most N starts per DURATION, evenly spaced")->type_name("N/DURATION");
    e->add_option("--timeout", each.timeout, "Kill an action after DURATION (TERM, then KILL)")->type_name("DURATION");
    e->add_option("--kill-after", each.kill_after, "Between TERM and KILL (default 5s)")->type_name("DURATION");
    e->add_option("--drain-timeout", each.drain_timeout,
                  "After SIGTERM, time running actions may take to finish before they are stopped (default 10s)")
        ->type_name("DURATION");
    e->add_option("--max-fail", each.max_fail, "Stop starting actions after more than N (or P% of the batch) failed")
        ->type_name("N|P%");
    e->add_flag("-n,--dry-run", each.dry_run, "Print each argv (shell-quoted), run nothing");
    e->add_flag("--allow-dash", each.allow_dash,
                "Run actions whose placeholder values begin with '-' (they may become options: see SECURITY)");
    e->add_option("--name", each.name, "Action name in result events (default: the command's basename)")
        ->type_name("NAME");
    e->add_option("--output-limit", each.output_limit, "Bytes of output kept in data.output (default 4096)")
        ->type_name("BYTES");
    e->add_option("--progress", each.progress, "Progress line on stderr: auto (a terminal), always, never")
        ->type_name("auto|always|never");
    e->add_option("--journal", each.journal,
                  "Record finished inputs in FILE: after a restart they are not run again (locked; fsync per batch)")
        ->type_name("FILE");
    e->add_flag("--rerun-interrupted", each.rerun_interrupted,
                "Run again the inputs the --journal says were started and never finished");
    ev::add_input_options(*e, each.input);
    ev::add_stats_options(*e, each.stats);
    ev::add_output_options(*e, output, each.input.kafka);

    CLI::App* si = app.add_subcommand("silence", "Add, list or expire silences in a silences file");
    si->require_subcommand(1);
    ev::batch::SilenceAddOptions add;
    bool list_all = false;
    std::string expire_id;
    CLI::App* si_add = si->add_subcommand("add", "Silence alerts matching EXPR; prints the new silence's id");
    si_add->add_option("EXPR", add.match, "Expression on the alert event (docs/expressions.md)")->required();
    si_add->add_option("--for", add.for_, "How long the silence lasts")->type_name("DURATION");
    si_add->add_option("--until", add.until, "When it ends: epoch seconds or RFC 3339")->type_name("TIME");
    si_add->add_option("--starts", add.starts, "When it starts (default now)")->type_name("TIME");
    si_add->add_option("--comment", add.comment, "Why (required)")->type_name("TEXT")->required();
    si_add->add_option("--author", add.author, "Who (default: the user's login name)")->type_name("NAME");
    si_add->add_option("--silences", add.file, "The silences file")->type_name("FILE")->required();
    CLI::App* si_list = si->add_subcommand("list", "Print the active and pending silences, one JSON line each");
    std::string list_file;
    si_list->add_option("--silences", list_file, "The silences file")->type_name("FILE")->required();
    si_list->add_flag("--all", list_all, "Expired silences too (kept a day after they end)");
    CLI::App* si_expire = si->add_subcommand("expire", "End silence ID now");
    std::string expire_file;
    si_expire->add_option("ID", expire_id, "The silence's id")->required();
    si_expire->add_option("--silences", expire_file, "The silences file")->type_name("FILE")->required();

    if (auto code = ev::parse_cli(app, static_cast<int>(args.size()), args.data())) {
        return *code;
    }
    ev::Diagnostics diag("evbatch");
    if (si->parsed()) {
        if (has_command) {
            diag.error("silence takes no command after '--'");
            return ev::exit_code::k_usage;
        }
        std::string out;
        int code = ev::exit_code::k_ok;
        if (si_add->parsed()) {
            code = ev::batch::run_silence_add(add, ev::wall_clock(), out, diag);
        } else if (si_list->parsed()) {
            code = ev::batch::run_silence_list(list_file, list_all, ev::wall_clock(), out, diag);
        } else {
            code = ev::batch::run_silence_expire(expire_id, expire_file, ev::wall_clock(), diag);
        }
        if (!print(out)) {
            return ev::exit_code::k_io;
        }
        return code;
    }
    if (e->parsed()) {
        if (!has_command) {
            diag.error("each needs a command: evbatch each [OPTIONS] [FILE...] -- COMMAND [ARGS...]");
            return ev::exit_code::k_usage;
        }
        each.command = std::move(command);
        if (each.dry_run && each.stats.interval > 0 && each.input.kafka.self_to.empty()) {
            diag.error("--stats-interval with --dry-run needs --self-to FILE: the output is argv lines, not events");
            return ev::exit_code::k_usage;
        }
        auto io = ev::open_io(each.input, output, diag);
        if (!io) {
            diag.error(io.error());
            return ev::exit_code::k_usage;
        }
        return ev::batch::run_each(each, *io->input, *io->out, 2, diag);
    }
    if (has_command && command.empty()) {
        diag.error("no command given after '--'");
        return ev::exit_code::k_usage;
    }
    group.command = std::move(command);
    auto io = ev::open_io(group.input, output, diag);
    if (!io) {
        diag.error(io.error());
        return ev::exit_code::k_usage;
    }
    return ev::batch::run_group(group, *io->input, *io->out, diag);
}
