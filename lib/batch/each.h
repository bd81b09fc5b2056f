// evbatch each: run a command once per input event, in batches, with capped
// concurrency, rate, timeouts and a failure budget; one result event per run.
#pragma once

#include <cstddef>
#include <string>
#include <vector>

#include "core/diag.h"
#include "core/input.h"
#include "core/sink.h"
#include "core/stats.h"

namespace ev::batch {

/// Everything `evbatch each` is told on its command line.
struct EachOptions {
    StatsOptions stats;                ///< --stats-interval: counters as metric events
    std::vector<std::string> command;  ///< argv after "--", with {field} placeholders
    std::string name;                  ///< action name in results; default: the command's basename
    std::size_t concurrency = 0;       ///< 0: the batch size, or 1 without --batch
    std::size_t batch = 0;             ///< 0: no batches
    std::string batch_sleep = "0";
    std::string rate;                   ///< "N/DURATION"; empty: no limit
    std::string timeout;                ///< per action; empty: none
    std::string kill_after = "5s";      ///< between TERM and KILL
    std::string drain_timeout = "10s";  ///< after SIGTERM, how long running actions may take to finish
    std::string max_fail;               ///< "N" or "P%"; empty: no limit
    bool dry_run = false;
    bool allow_dash = false;          ///< run actions whose placeholder values begin with '-'
    std::size_t output_limit = 4096;  ///< bytes of output kept in data.output
    std::string progress = "auto";    ///< auto (stderr is a terminal), always, never
    std::string journal;              ///< --journal FILE: finished inputs are not run again; empty: none
    bool rerun_interrupted = false;   ///< run inputs the journal holds as interrupted again
    InputOptions input;               ///< for the main, which builds the Input
};

/// Exit status when an action failed or --max-fail stopped the run.
constexpr int k_action_failed = 1;

/// Runs each mode over input (opened here), writing result events to out
/// and the progress line and summary to err_fd; returns the exit code.
int run_each(const EachOptions& options, Input& input, Sink& out, int err_fd, Diagnostics& diag);

/// The summary line: "Finished 12 / 40 actions: 11 ok, 1 failed, 28 not started",
/// with "1 failed (1 refused)" when refused of the failed were never started.
std::string summary_line(std::size_t ok, std::size_t failed, std::size_t total, std::size_t refused = 0);

}  // namespace ev::batch
