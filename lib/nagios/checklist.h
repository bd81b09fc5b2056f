// Checklist: the check list as `run` executes it and `check` verifies it:
// CONFIG parsed, $USERn$ macros taken from the resource file, plugins
// looked up in the plugin directory and on the plugins' PATH.
#pragma once

#include <string>
#include <vector>

#include "core/diag.h"
#include "core/result.h"
#include "core/sink.h"
#include "nagios/config.h"
#include "nagios/runner.h"

namespace ev::nagios {

/// Where a check list comes from.
struct ChecklistOptions {
    std::string config_path;
    std::string resource_path;  ///< --resource; empty: no $USERn$ macros
    RunnerOptions runner;       ///< the plugins' PATH and --plugin-dir
};

/// Loads the check list for `run` (at start and on SIGHUP): the first
/// problem of the resource file or CONFIG, or an undefined macro, is the
/// error. Plugins are not looked up: one that is missing runs as Nagios
/// runs it, critical with return code 127.
Result<Config> load_checklist(const ChecklistOptions& options);

/// Every problem of the check list, each "FILE:LINE: message": resource
/// file lines, CONFIG lines, undefined macros, and plugins that cannot be
/// found or are not executable.
std::vector<std::string> checklist_problems(const ChecklistOptions& options, std::size_t& checks);

/// `check CONFIG`: reports each problem on stderr and returns 2, or writes
/// "N checks OK" to out and returns 0.
int run_check(const ChecklistOptions& options, Sink& out, Diagnostics& diag);

}  // namespace ev::nagios
