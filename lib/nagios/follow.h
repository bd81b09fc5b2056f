// The `perfdata` mode: reads perfdata files once, or follows them like
// tail -F through growth, rotation and truncation.
#pragma once

#include <string>
#include <vector>

#include "core/diag.h"

namespace ev::nagios {

/// Everything `perfdata` mode needs.
struct PerfFileOptions {
    std::vector<std::string> files;
    bool follow = false;    ///< keep reading, survive rotation and truncation (tail -F)
    bool from_end = false;  ///< with follow: skip what the files hold at start
    bool metrics = true;
    double poll_interval = 0.2;
    double run_for = 0;  ///< stop after this many seconds (tests); 0: until a signal
};

/// Reads the files (and follows them) and writes events to out_fd; returns the exit code.
int run_perffile(const PerfFileOptions& options, int out_fd, Diagnostics& diag);

}  // namespace ev::nagios
