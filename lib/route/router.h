// Router: evroute's engine. Reads events, matches them against the rules
// in order and hands each to its destinations, in one poll loop.
#pragma once

#include <cstddef>
#include <string>
#include <vector>

#include "core/diag.h"
#include "core/input.h"

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
    std::string callback_timeout = "30s";
    std::string stats_interval;  ///< empty: no metric events
    std::string drain_timeout = "10s";
    bool check_only = false;  ///< --check: validate the rules and exit
    InputOptions input;
};

/// Parses a byte size: digits with an optional K, M or G suffix (powers of 1024).
Result<std::size_t> parse_size(std::string_view text);

/// Runs evroute; returns the exit code (0 done, 2 bad rules or options,
/// 3 --strict stopped at a bad line, 4 an input or destination failed to open).
int run(const Options& options, Diagnostics& diag);

}  // namespace ev::route
