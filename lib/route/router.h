// Router: evroute's engine. Reads events from an Input, matches them
// against the rules in order and hands each to its destinations, in one
// event loop; standard output is the Sink the main built.
#pragma once

#include <cstddef>
#include <string>
#include <vector>

#include "core/diag.h"
#include "core/input.h"
#include "core/sink.h"

namespace ev::route {

/// Everything evroute's command line says.
struct Options {
    std::string rules_file;                 ///< may be empty when rules come from -e
    std::vector<std::string> inline_rules;  ///< -e RULE, in order, after the file's rules
    std::string unmatched = "stdout";       ///< a destination, or "drop"
    std::string results;                    ///< destination of callback failure events
    std::size_t queue_bytes = std::size_t{1} << 20;
    std::string spool_dir;  ///< default $TMPDIR or /tmp
    std::size_t callback_concurrency = 4;
    double callback_timeout = 30;  ///< seconds, more than 0
    double stats_interval = 0;     ///< seconds; 0: no metric events
    double drain_timeout = 10;     ///< seconds
    bool check_only = false;       ///< --check: validate the rules and exit
    InputOptions input;
    /// A pipe or socket behind the output Sink (the main passes 1 when
    /// stdout is one): the Sink is then handed at most PIPE_BUF bytes each
    /// time this polls writable, so a slow reader never blocks evroute.
    /// -1: the output is a file or terminal, written freely.
    int out_poll_fd = -1;
};

/// Runs evroute over input, the stdout destination writing to out; returns
/// the exit code (0 done, 2 bad rules or options, 3 --strict stopped at a
/// bad line, 4 an input or destination failed to open, read or write).
int run(const Options& options, Input& input, Sink& out, Diagnostics& diag);

}  // namespace ev::route
