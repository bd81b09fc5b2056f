// evgraphite's engine: metric events in, carbon plaintext lines out to one
// or more carbon destinations, with nothing lost across an outage.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "core/clock.h"
#include "core/diag.h"
#include "core/input.h"
#include "core/result.h"
#include "core/sink.h"

namespace ev::graphite {

/// Exit code: datapoints were left undelivered at exit and could not be
/// kept in a spool (no --spool, or writing it failed).
constexpr int k_exit_undelivered = 5;

/// Everything evgraphite's command line says.
struct Options {
    std::vector<std::string> destinations;  ///< HOST:PORT[:INSTANCE]; empty: 127.0.0.1:2003
    std::string path_template = "{subject}.{name}";
    std::string prefix;
    bool reverse_subject = false;
    int replication = 1;
    bool diverse_replicas = true;     ///< carbon's DIVERSE_REPLICAS default
    std::string spool_dir;            ///< empty: no spool
    std::string buffer_size = "64M";  ///< memory per destination before spilling
    std::size_t batch = 65536;        ///< bytes queued before a write is attempted
    std::string drain_timeout = "10s";
    std::string connect_timeout = "5s";
    std::string reconnect_max = "30s";
    std::string resend_window = "10s";
    bool pass = false;
    bool dry_run = false;
    InputOptions input;
};

/// Parses a byte size: digits with an optional K, M or G (powers of 1024).
Result<std::size_t> parse_size(std::string_view text);

/// Runs evgraphite over input (opened here), writing passed events (or
/// --dry-run lines) to out; acknowledges each input position once every
/// datapoint and line it caused is delivered, spooled or written. Returns
/// the exit code (0, 2 usage, 3 strict, 4 I/O, 5 undelivered). clock gives
/// the time of events without one.
int run(const Options& options, Input& input, Sink& out, Diagnostics& diag, const Clock& clock = wall_clock());

}  // namespace ev::graphite
