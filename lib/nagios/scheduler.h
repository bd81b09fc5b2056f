// Scheduler: `evsrc-nagios run CONFIG`, one poll loop that starts due checks
// under a concurrency cap, collects results and writes their events.
#pragma once

#include <string>

#include "core/diag.h"
#include "core/sink.h"
#include "nagios/schedule.h"

namespace ev::nagios {

/// Everything `run` needs from the command line.
struct SchedulerOptions {
    std::string config_path;
    std::string resource_path;  ///< --resource: the $USERn$ macros (re-read on SIGHUP)
    std::string plugin_dir;     ///< --plugin-dir: where bare plugin names are found first
    CheckDefaults defaults;
    std::size_t max_concurrent = 32;
    double heartbeat = 30;  ///< seconds between the scheduler's own status; 0: none
    bool metrics = true;
    double kill_grace = 2;
    double run_for = 0;         ///< stop after this many seconds (tests, benchmarks); 0: until a signal
    double stats_interval = 0;  ///< --stats-interval: counter metric events; 0: none
};

/// Runs the scheduler until SIGINT/SIGTERM (or run_for); SIGHUP reloads the
/// config; events go to out. Returns the exit code (2 when the first config
/// is bad, 0 when the reader of out has gone).
int run_scheduler(const SchedulerOptions& options, Sink& out, Diagnostics& diag);

}  // namespace ev::nagios
