// Signals: the contract's signal handling, as flags the main loops poll.
#pragma once

namespace ev::signals {

/// Installs handlers: SIGINT/SIGTERM request a stop, SIGHUP a reload, SIGUSR1
/// a counters report; SIGPIPE is ignored (writes then fail with EPIPE, which
/// the Writer turns into a quiet end). Handlers interrupt blocking reads.
void install();

/// True once SIGINT or SIGTERM arrived.
bool stop_requested();

/// How many stop signals arrived (a second one may mean "now").
int stop_count();

/// True once per SIGHUP: reload configuration, reopen files.
bool take_reload();

/// True once per SIGUSR1: print counters.
bool take_stats();

/// Sets the stop flag as a signal would (tests, internal shutdown).
void request_stop();

/// Clears every flag (tests).
void reset();

}  // namespace ev::signals
