#include "core/notify.h"

#include <systemd/sd-daemon.h>

#include <cstdint>
#include <string>

#include "core/clock.h"
#include "core/signals.h"

namespace ev::notify {

namespace {

double g_watchdog = 0;  // seconds between pings; 0: off
double g_next_ping = 0;

void send(const std::string& state) {
    // NOTIFY_SOCKET stays set (unsetting it would end our own later
    // messages), so children inherit it; systemd's default NotifyAccess=main
    // ignores what they send, and the units keep that default.
    (void)sd_notify(0, state.c_str());
}

}  // namespace

void ready() {
    uint64_t usec = 0;
    // sd_watchdog_enabled checks WATCHDOG_PID too: a child that inherited
    // the variables is not the watched process.
    if (sd_watchdog_enabled(0, &usec) > 0 && usec > 0) {
        g_watchdog = static_cast<double>(usec) / 1e6 / 2;
        g_next_ping = steady_now() + g_watchdog;
        signals::tick_every(g_watchdog);
    }
    send("READY=1");
}

void status(std::string_view text) {
    std::string line = "STATUS=";
    // One line: a newline would start another assignment.
    for (char c : text) {
        line += c == '\n' ? ' ' : c;
    }
    send(line);
}

void stopping() {
    send("STOPPING=1");
}

void watchdog(double now) {
    if (g_watchdog <= 0 || now < g_next_ping - 0.01) {
        return;
    }
    g_next_ping = now + g_watchdog;
    send("WATCHDOG=1");
}

double watchdog_interval() {
    return g_watchdog;
}

}  // namespace ev::notify
