#include "core/signals.h"

#include <signal.h>

#include <atomic>
#include <cstring>

namespace ev::signals {

namespace {

std::atomic<int> g_stop{0};
std::atomic<bool> g_reload{false};
std::atomic<bool> g_stats{false};

void on_signal(int sig) {
    if (sig == SIGINT || sig == SIGTERM) {
        g_stop.fetch_add(1);
    } else if (sig == SIGHUP) {
        g_reload.store(true);
    } else if (sig == SIGUSR1) {
        g_stats.store(true);
    }
}

void set_handler(int sig) {
    struct sigaction sa;
    std::memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_signal;
    sigemptyset(&sa.sa_mask);
    sa.sa_flags = 0;  // no SA_RESTART: blocking reads return EINTR
    sigaction(sig, &sa, nullptr);
}

}  // namespace

void install() {
    set_handler(SIGINT);
    set_handler(SIGTERM);
    set_handler(SIGHUP);
    set_handler(SIGUSR1);
    signal(SIGPIPE, SIG_IGN);
}

bool stop_requested() {
    return g_stop.load() > 0;
}
int stop_count() {
    return g_stop.load();
}
bool take_reload() {
    return g_reload.exchange(false);
}
bool take_stats() {
    return g_stats.exchange(false);
}
void request_stop() {
    g_stop.fetch_add(1);
}

void reset() {
    g_stop.store(0);
    g_reload.store(false);
    g_stats.store(false);
}

}  // namespace ev::signals
