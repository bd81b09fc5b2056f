// evtimeline's engine: events become short human lines with hashtags,
// written as text, an Atom feed or a static HTML page.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "core/diag.h"
#include "core/input.h"
#include "core/sink.h"

namespace ev::timeline {

/// Everything evtimeline's command line says.
struct Options {
    std::string format = "text";        ///< text, atom or html
    std::string templates_path;         ///< --templates FILE (NDJSON)
    std::string select;                 ///< --select EXPR: only events for which it is true
    std::vector<std::string> hashtags;  ///< --tag TAG: only lines carrying one of them
    std::string output;                 ///< --output FILE (atom, html): replaced atomically
    std::size_t max_entries = 100;      ///< atom, html: the newest N lines kept
    std::string feed_id = "urn:evkit:timeline";
    std::string title = "evkit timeline";
    InputOptions input;
};

/// Runs evtimeline; returns the exit code (0, 2 usage or bad templates,
/// 3 --strict and a bad line, 4 I/O).
int run(const Options& options, Input& input, Sink& out, Diagnostics& diag);

}  // namespace ev::timeline
