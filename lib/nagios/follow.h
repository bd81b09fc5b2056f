// The `perfdata` mode: reads perfdata files once, or follows them like
// tail -F through growth, rotation and truncation, under the bad-input
// policy every tool keeps (--max-line, --rejects, --strict).
#pragma once

#include <cstddef>
#include <string>
#include <vector>

#include "core/diag.h"
#include "core/sink.h"

namespace ev::nagios {

/// Everything `perfdata` mode needs.
struct PerfFileOptions {
    std::vector<std::string> files;  ///< "-" is stdin (not with follow)
    bool follow = false;             ///< keep reading, survive rotation and truncation (tail -F)
    bool from_end = false;           ///< with follow: skip what the files hold at start
    bool metrics = true;
    double poll_interval = 0.2;
    double run_for = 0;                           ///< stop after this many seconds (tests); 0: until a signal
    std::size_t max_line = std::size_t{1} << 20;  ///< longer lines are rejected (counted, reported, skipped)
    std::string rejects_path;                     ///< bad lines are appended here verbatim
    bool strict = false;                          ///< the first bad line is fatal (exit 3)
    std::size_t block = std::size_t{1} << 16;     ///< read size (small in tests and fuzzing)
};

/// Reads the files (and follows them) and writes events to out; returns the exit code.
int run_perffile(const PerfFileOptions& options, Sink& out, Diagnostics& diag);

}  // namespace ev::nagios
