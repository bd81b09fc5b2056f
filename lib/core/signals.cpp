#include "core/signals.h"

#include <signal.h>
#include <sys/signalfd.h>
#include <sys/time.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <vector>

namespace ev::signals {

namespace {

std::atomic<int> g_terms{0};
std::atomic<int> g_interrupts{0};
std::atomic<bool> g_reload{false};
std::atomic<bool> g_stats{false};
std::atomic<uint64_t> g_stats_count{0};
std::atomic<bool> g_drain{false};
std::atomic<bool> g_tick{false};
std::atomic<bool> g_resize{false};
double g_tick_interval = 0;
int g_fd = -1;

void take(int sig) {
    if (sig == SIGTERM) {
        g_terms.fetch_add(1);
    } else if (sig == SIGINT) {
        g_interrupts.fetch_add(1);
    } else if (sig == SIGHUP) {
        g_reload.store(true);
    } else if (sig == SIGUSR1) {
        g_stats.store(true);
        g_stats_count.fetch_add(1);
    } else if (sig == SIGALRM) {
        g_tick.store(true);
    } else if (sig == SIGWINCH) {
        g_resize.store(true);
    }
}

sigset_t contract_set() {
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGINT);
    sigaddset(&set, SIGTERM);
    sigaddset(&set, SIGHUP);
    sigaddset(&set, SIGUSR1);
    sigaddset(&set, SIGALRM);
    sigaddset(&set, SIGWINCH);  // ignored by default; a full-screen tool redraws on it
    return set;
}

}  // namespace

void install() {
    signal(SIGPIPE, SIG_IGN);
    sigset_t set = contract_set();
    pthread_sigmask(SIG_BLOCK, &set, nullptr);
    if (g_fd < 0) {
        g_fd = signalfd(-1, &set, SFD_NONBLOCK | SFD_CLOEXEC);
    }
}

int fd() {
    return g_fd;
}

bool check() {
    if (g_fd < 0) {
        return false;
    }
    bool any = false;
    signalfd_siginfo info[8];
    for (;;) {
        ssize_t n = ::read(g_fd, info, sizeof info);
        if (n <= 0) {
            return any;
        }
        for (std::size_t i = 0; i < static_cast<std::size_t>(n) / sizeof info[0]; ++i) {
            take(static_cast<int>(info[i].ssi_signo));
            any = true;
        }
    }
}

int poll(pollfd* fds, nfds_t count, int timeout_ms) {
    if (g_fd < 0) {
        return ::poll(fds, count, timeout_ms);
    }
    // Small sets stay on the stack; the signalfd goes last.
    pollfd local[16];
    std::vector<pollfd> heap;
    pollfd* all = local;
    if (count + 1 > 16) {
        heap.resize(count + 1);
        all = heap.data();
    }
    for (nfds_t i = 0; i < count; ++i) {
        all[i] = fds[i];
    }
    all[count] = pollfd{g_fd, POLLIN, 0};
    int ready = ::poll(all, count + 1, timeout_ms);
    if (ready < 0) {
        return ready;
    }
    for (nfds_t i = 0; i < count; ++i) {
        fds[i].revents = all[i].revents;
    }
    if (all[count].revents != 0) {
        check();
        if (ready == 1) {
            errno = EINTR;
            return -1;
        }
        return ready - 1;
    }
    return ready;
}

bool sleep_ms(int timeout_ms) {
    return signals::poll(nullptr, 0, timeout_ms) == 0;
}

bool stop_requested() {
    return g_terms.load() > 0 || g_interrupts.load() >= (g_drain.load() ? 2 : 1);
}

bool stop_requested_now() {
    check();
    return stop_requested();
}

int stop_count() {
    return g_terms.load() + g_interrupts.load();
}

bool interrupted() {
    return g_interrupts.load() > 0;
}

bool terminated() {
    return g_terms.load() > 0;
}

void set_drain_on_interrupt(bool drain) {
    g_drain.store(drain);
}

bool take_reload() {
    return g_reload.exchange(false);
}

bool take_stats() {
    return g_stats.exchange(false);
}

uint64_t stats_requests() {
    return g_stats_count.load(std::memory_order_relaxed);
}

bool take_resize() {
    return g_resize.exchange(false);
}

bool take_tick() {
    // A plain load first: the common answer (no tick) costs no write.
    return g_tick.load(std::memory_order_relaxed) && g_tick.exchange(false);
}

void tick_every(double seconds) {
    // Without install() SIGALRM is not blocked, and would end the process.
    if (g_fd < 0 || seconds <= 0 || (g_tick_interval > 0 && g_tick_interval <= seconds)) {
        return;
    }
    g_tick_interval = seconds;
    auto usec = static_cast<long long>(seconds * 1e6);
    if (usec < 1000) {
        usec = 1000;
    }
    itimerval timer{};
    timer.it_interval.tv_sec = static_cast<time_t>(usec / 1000000);
    timer.it_interval.tv_usec = static_cast<suseconds_t>(usec % 1000000);
    timer.it_value = timer.it_interval;
    setitimer(ITIMER_REAL, &timer, nullptr);
}

double tick_interval() {
    return g_tick_interval;
}

void request_stop() {
    g_terms.fetch_add(1);
}

void reset() {
    check();
    g_terms.store(0);
    g_interrupts.store(0);
    g_reload.store(false);
    g_resize.store(false);
    g_stats.store(false);
    g_drain.store(false);
    if (g_tick_interval > 0) {
        itimerval off{};
        setitimer(ITIMER_REAL, &off, nullptr);
        g_tick_interval = 0;
    }
    check();
    g_tick.store(false);
}

}  // namespace ev::signals
