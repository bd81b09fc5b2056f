// Signals: the one signal regime of every tool. install() blocks the
// contract's signals in the process before any thread starts (librdkafka
// starts threads of its own), so no thread is ever interrupted by them; they
// are taken from a signalfd that every wait in the suite polls (through
// signals::poll) and turned into the flags the loops read.
#pragma once

#include <poll.h>

#include <cstdint>

namespace ev::signals {

/// Blocks SIGINT, SIGTERM, SIGHUP, SIGUSR1, SIGALRM (the tick) and SIGWINCH and opens the signalfd that
/// takes them; SIGPIPE is ignored (writes then fail with EPIPE, which the
/// Writer turns into a quiet end). Call first in main, before any thread.
void install();

/// The signalfd to poll with other descriptors; -1 before install().
int fd();

/// Takes every pending signal into the flags without blocking; true when one
/// arrived. Cheap enough to call once per input block.
bool check();

/// poll(2) over fds plus the signalfd. When a signal arrives it is taken into
/// the flags and, if no other descriptor is ready, poll returns -1 with errno
/// EINTR, as a signal handler would have made it: so a wait can never miss a
/// stop, and loops keep one way of seeing signals.
int poll(pollfd* fds, nfds_t count, int timeout_ms);

/// Sleeps up to timeout_ms, returning early (false) when a signal arrives.
bool sleep_ms(int timeout_ms);

/// True once the tool should stop reading: a SIGTERM, or a SIGINT when input
/// does not drain on SIGINT, or a second SIGINT when it does. Reads the flags
/// only (cheap, per event): they are fresh after any signals::poll.
bool stop_requested();

/// check(), then stop_requested(): the once-per-block question of a reader
/// that is never idle, so a stop is seen whatever the input rate.
bool stop_requested_now();

/// How many stop signals (SIGINT and SIGTERM) arrived.
int stop_count();

/// True once SIGINT arrived (whether or not it stops the tool yet).
bool interrupted();

/// True once SIGTERM arrived (or request_stop()).
bool terminated();

/// Chooses the Ctrl-C policy: when input drains (a filter reading a pipe),
/// the first SIGINT does not stop reading: the upstream stages got the same
/// Ctrl-C and end their output on their own, so nothing they made is lost.
void set_drain_on_interrupt(bool drain);

/// True once per SIGHUP: reload configuration, reopen files.
bool take_reload();

/// True once per SIGWINCH (or several): the terminal changed size, redraw.
bool take_resize();

/// True once per SIGUSR1: print counters.
bool take_stats();

/// How many SIGUSR1 arrived so far: for a layer below the tool (the Kafka
/// source) that prints its own counters too, without taking the tool's.
uint64_t stats_requests();

/// True once per tick (SIGALRM from the interval timer of tick_every):
/// the clock of --stats-interval and the systemd watchdog (core/stats.h),
/// a flag read per call, fresh after any check() or signals::poll.
bool take_tick();

/// Starts the tick every seconds (the shortest interval asked wins; the
/// process has one). Children do not inherit it.
void tick_every(double seconds);

/// The tick's interval, 0 when there is none.
double tick_interval();

/// Sets the stop flag as a SIGTERM would (tests, internal shutdown).
void request_stop();

/// Clears every flag and stops the tick (tests).
void reset();

}  // namespace ev::signals
