// The command line of evstatus, shared by its main and the scenario tests.
#pragma once

#include <CLI/CLI.hpp>

#include "status/config.h"

namespace ev::status {

/// Adds the filter's options (--clock, --confirm, --state, ...) and FILE
/// arguments to app, without the shared input options.
void add_filter_options(CLI::App& app, Options& options);

}  // namespace ev::status
