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
    bool diverse_replicas = true;                     ///< carbon's DIVERSE_REPLICAS default
    std::string spool_dir;                            ///< empty: no spool
    std::size_t buffer_size = std::size_t{64} << 20;  ///< bytes of memory per destination before spilling
    std::size_t batch = 65536;                        ///< bytes queued before a write is attempted
    double drain_timeout = 10;                        ///< seconds to deliver what is queued at exit
    double connect_timeout = 5;                       ///< seconds a connection attempt may take
    double reconnect_max = 30;                        ///< longest wait between connection attempts
    double resend_window = 10;                        ///< seconds acknowledged lines stay for re-sending
    bool pass = false;
    bool dry_run = false;
    InputOptions input;
    double stats_interval = 0;  ///< seconds between counter metric events on stdout; 0: none
};

/// Runs evgraphite over input (opened here), writing passed events (or
/// --dry-run lines) to out; acknowledges each input position once every
/// datapoint and line it caused is delivered, spooled or written. Returns
/// the exit code (0, 2 usage, 3 strict, 4 I/O, 5 undelivered). clock gives
/// the time of events without one.
int run(const Options& options, Input& input, Sink& out, Diagnostics& diag, const Clock& clock = wall_clock());

}  // namespace ev::graphite
