// evfilter's engine: select events by expression and rewrite fields.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "core/diag.h"
#include "core/input.h"
#include "core/path.h"
#include "core/result.h"
#include "core/stats.h"

namespace ev::filter {

/// One --set PATH=EXPR, split into its two sides.
struct Assignment {
    Path path;
    std::string expression;
};

/// Splits "PATH=EXPR" at the first '=' outside a quoted key.
Result<Assignment> parse_assignment(std::string_view text);

/// Everything evfilter's command line says.
struct Options {
    std::string expression;
    bool invert = false;
    bool count = false;
    uint64_t max_count = 0;  ///< 0: no limit
    std::vector<std::string> sets;
    std::vector<std::string> dels;
    std::string each;                ///< --each PATH: one output per element of the array there
    std::vector<std::string> keeps;  ///< --keep PATH: write only these fields
    std::string raw;                 ///< -r EXPR: print EXPR's value per selected event
    bool raw_control = false;        ///< -r writes control characters unescaped
    InputOptions input;
    StatsOptions stats;  ///< --stats-interval: counters as metric events
};

/// Runs evfilter over input, writing to out; returns the exit code
/// (0 some event matched, 1 none, 2 bad expression, 3 strict: a bad line or
/// a type error, 4 I/O).
int run(const Options& options, Input& input, Sink& out, Diagnostics& diag);

}  // namespace ev::filter
