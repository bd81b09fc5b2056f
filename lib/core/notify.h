// Notify: the service manager protocol (systemd's sd_notify), for units of
// Type=notify. Every call does nothing when NOTIFY_SOCKET is not set.
#pragma once

#include <string_view>

namespace ev::notify {

/// READY=1: start-up is done (inputs opened, sockets listening). Also reads
/// WATCHDOG_USEC and arms the watchdog ping (at half of it) on the signal
/// regime's tick.
void ready();

/// STATUS=TEXT: one line a person reads in `systemctl status`.
void status(std::string_view text);

/// STOPPING=1: the tool is shutting down (draining).
void stopping();

/// RELOADING=1 then READY=1 around a configuration reload is left out: a
/// failed reload keeps the old configuration and is reported as a
/// self-status, so the service stays ready throughout.

/// Sends WATCHDOG=1 when half of WATCHDOG_USEC passed since the last one;
/// Stats::due() calls it at each tick.
void watchdog(double now);

/// Seconds between watchdog pings (half of WATCHDOG_USEC), 0 when off.
double watchdog_interval();

}  // namespace ev::notify
