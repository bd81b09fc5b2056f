// Receiver: evsrc-snmptrap's engine. Listens on UDP sockets, reads packets
// in batches (recvmmsg), decodes them, answers informs, and hands events to
// a writer thread through a bounded queue, so output never blocks the
// sockets; --stdin-snmptrapd reads snmptrapd's traphandle input instead.
#pragma once

#include <cstddef>
#include <string>
#include <vector>

#include "core/diag.h"
#include "core/sink.h"
#include "snmptrap/rules.h"
#include "snmptrap/subject.h"

namespace ev::snmptrap {

/// Everything the receiver takes from the command line.
struct ReceiverOptions {
    std::vector<std::string> listen;                 ///< ADDR:PORT or [ADDR]:PORT; port 0 picks a free one
    bool default_listen = false;                     ///< listen is the default pair: skip IPv6 when the host has none
    std::vector<std::string> communities;            ///< accepted v1/v2c communities; empty: every one
    double max_rate = 0;                             ///< traps a second per source address; 0: no limit
    double inform_window = 30;                       ///< seconds a retransmitted inform counts as a duplicate
    std::size_t queue_size = std::size_t{64} << 20;  ///< bytes of events waiting for output at most
    std::size_t receive_buffer = std::size_t{32} << 20;  ///< SO_RCVBUF asked for each socket
    std::string rules_path;                              ///< --rules FILE (re-read on SIGHUP)
    bool builtin_rules = true;
    std::string map_path;  ///< --map FILE (re-read on SIGHUP)
    bool resolve = false;
    std::string user;           ///< drop to this user after binding
    double stats_interval = 0;  ///< seconds between counter events; 0: none
    double run_for = 0;         ///< stop after this many seconds (tests, benchmarks); 0: until a signal
    double drain_timeout = 5;   ///< at exit, how long queued events may take to be written
};

/// Loads the rules the options name (the file's, then the built-in ones).
Result<RuleSet> load_rule_set(const ReceiverOptions& options);

/// Receives traps until SIGINT/SIGTERM (or run_for); SIGHUP re-reads the
/// rules and map files, SIGUSR1 prints the counters. Returns the exit code.
int run_receiver(const ReceiverOptions& options, Sink& out, Diagnostics& diag);

/// Reads snmptrapd traphandle input from fd (one trap, or several separated
/// by blank lines) and writes their events. Returns the exit code.
int run_snmptrapd_input(const ReceiverOptions& options, int fd, Sink& out, Diagnostics& diag);

}  // namespace ev::snmptrap
