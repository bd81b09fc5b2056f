// evstatus's filter: reads events, keeps the state per identity, passes the
// events through and inserts the alerts.
#pragma once

#include "core/diag.h"
#include "core/input.h"
#include "core/sink.h"
#include "status/config.h"

namespace ev::status {

/// Runs evstatus over input, writing to out; returns the exit code
/// (0 done, 2 usage or state file error, 3 --strict stopped at a bad line,
/// 4 an input or output could not be read or written).
int run(const Options& options, Input& input, Sink& out, Diagnostics& diag);

}  // namespace ev::status
