// evbatch group: collect status events into groups and notify once per
// group with Alertmanager's timing, as a summary alert or by running a command.
#pragma once

#include <string>
#include <vector>

#include "core/clock.h"
#include "core/diag.h"
#include "core/input.h"
#include "core/sink.h"
#include "core/stats.h"

namespace ev::batch {

/// Everything `evbatch group` is told on its command line.
struct GroupOptions {
    StatsOptions stats;             ///< --stats-interval: counters as metric events
    std::string by = "name,state";  ///< fields or an expression
    std::string wait = "30s";
    std::string interval = "5m";
    std::string repeat = "4h";
    bool no_resolve = false;
    ClockKind clock = ClockKind::wall;  ///< --clock: wall or event
    std::vector<std::string> command;   ///< empty: write summary alerts
    std::string name;                   ///< action name in results; default: the command's basename
    std::string timeout = "1m";         ///< per command run; "0": none
    std::string kill_after = "5s";
    std::string drain_timeout = "10s";  ///< after a stop, how long the last command runs may take
    std::size_t output_limit = 4096;
    std::string silences;              ///< --silences FILE (reloaded on SIGHUP); empty: none
    std::vector<std::string> inhibit;  ///< --inhibit SOURCE TARGET FIELDS, three values per rule
    std::string inhibit_rules;         ///< --inhibit-rules FILE (reloaded on SIGHUP); empty: none
    std::string state;                 ///< --state FILE: groups survive a restart; empty: kept in memory only
    InputOptions input;                ///< for the main, which builds the Input
};

/// Runs group mode over input (opened here), writing to out; returns the
/// exit code (0, or 1 when a command run failed or a notification could not
/// be sent, 2 usage, 3 strict, 4 I/O).
int run_group(const GroupOptions& options, Input& input, Sink& out, Diagnostics& diag);

}  // namespace ev::batch
