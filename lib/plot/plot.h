// evplot's engine: reads events, bins the points of each series and the
// markers as they arrive, and draws one picture at the end of the input.
#pragma once

#include <cstddef>
#include <string>
#include <vector>

#include "core/diag.h"
#include "core/input.h"
#include "core/sink.h"

namespace ev::plot {

/// The picture kinds.
enum class Chart { line, hist, spark };

struct Options {
    Chart chart = Chart::line;
    InputOptions input;
    std::string field = "metric";  ///< the value's path
    std::vector<std::string> by;   ///< series key paths; empty: subject, name
    std::string markers;           ///< expression selecting marker events
    std::string title;
    std::string unit;  ///< the value's unit; empty: the first event's `unit`
    bool ascii = false;
    std::size_t width = 0, height = 0;  ///< 0: the terminal's, or 80 x 24
    std::string svg;                    ///< write an SVG file instead of the terminal
    std::string since, until;           ///< time range (epoch seconds or RFC 3339)
    std::size_t buckets = 10;           ///< hist
    std::string range;                  ///< hist: MIN:MAX, streaming
    std::string graphite;               ///< graphite-web base URL: series from its render API
    std::vector<std::string> targets;   ///< with graphite: the render targets
};

/// Reads input to its end (or a stop signal) and writes the picture to out
/// or to options.svg. With options.graphite the series come from the
/// render API and the input (read only with --markers) gives the markers.
/// Returns the exit code.
int run(const Options& options, Input& input, Sink& out, Diagnostics& diag);

}  // namespace ev::plot
