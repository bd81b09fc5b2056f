#include "core/child_set.h"

#include <signal.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <climits>
#include <cmath>
#include <cstring>

#include <fmt/format.h>

#include "core/child_set_child.h"
#include "core/clock.h"

namespace ev {

using child_set_detail::k_never;

namespace {

// Without a pidfd an exit is noticed by asking this often.
constexpr double k_fallback_tick = 0.01;

int open_pidfd(pid_t pid) {
#ifdef SYS_pidfd_open
    // pidfd_open sets close-on-exec itself.
    long fd = ::syscall(SYS_pidfd_open, pid, 0);
    if (fd >= 0) {
        return static_cast<int>(fd);
    }
#endif
    return -1;
}

}  // namespace

std::string describe(const ChildResult& result) {
    std::string how;
    switch (result.ending) {
        case Ending::failed_to_start:
            return result.error;
        case Ending::abandoned:
            return "timed out";
        case Ending::unknown:
            how = "ended (how is unknown: reaped elsewhere)";
            break;
        case Ending::exited:
            how = fmt::format("exited with status {}", result.exit_code);
            break;
        case Ending::signaled:
            how = fmt::format("killed by signal {} ({})", result.signal, strsignal(result.signal));
            break;
    }
    return result.timed_out ? "timed out; " + how : how;
}

ChildSet::ChildSet(ChildSetOptions options) : m_options(options) {
    // An inherited SIG_IGN (or SA_NOCLDWAIT) for SIGCHLD would have the
    // kernel reap our children before we learn how they ended.
    struct sigaction sa {};
    if (::sigaction(SIGCHLD, nullptr, &sa) == 0 && (sa.sa_handler == SIG_IGN || (sa.sa_flags & SA_NOCLDWAIT) != 0)) {
        if (sa.sa_handler == SIG_IGN) {
            sa.sa_handler = SIG_DFL;
        }
        sa.sa_flags &= ~SA_NOCLDWAIT;
        ::sigaction(SIGCHLD, &sa, nullptr);
    }
    // A child that stops reading its stdin must not kill us.
    if (::sigaction(SIGPIPE, nullptr, &sa) == 0 && sa.sa_handler == SIG_DFL) {
        ::signal(SIGPIPE, SIG_IGN);
    }
}

ChildSet::~ChildSet() {
    for (auto& owned : m_children) {
        Child& c = *owned;
        if (!c.lost) {
            signal_group(c, SIGKILL);
        }
        for (int* fd : {&c.pidfd, &c.in_fd, &c.peek_fd, &c.out_fd, &c.err_fd}) {
            close_fd(*fd);
        }
        if (!c.lost) {
            siginfo_t si{};
            while (::waitid(P_PID, static_cast<id_t>(c.pid), &si, WEXITED) != 0 && errno == EINTR) {
            }
        }
    }
    for (int& fd : m_closing_stdins) {
        close_fd(fd);
    }
}

ChildSet::Child* ChildSet::find(ChildId id) const {
    for (const auto& c : m_children) {
        if (c->id == id) {
            return c.get();
        }
    }
    return nullptr;
}

void ChildSet::watch(int fd, Child* child, Role role) {
    if (fd >= 0) {
        m_by_fd[fd] = FdOwner{child, role};
    }
}

void ChildSet::unwatch(int& fd) {
    if (fd >= 0) {
        m_by_fd.erase(fd);
        close_fd(fd);
    }
}

ChildId ChildSet::start(ChildSpec spec) {
    ChildId id = m_next_id++;
    int error_number = 0;
    double started = steady_now();
    auto spawned = spawn(spec.spawn, &error_number);
    if (!spawned) {
        ChildResult r;
        r.id = id;
        r.tag = spec.tag;
        r.ending = Ending::failed_to_start;
        r.spawn_errno = error_number;
        r.exit_code = spawn_failure_exit_code(error_number);
        r.error = spawned.error();
        m_finished.push_back(std::move(r));
        return id;
    }
    auto owned = std::make_unique<Child>();
    Child& c = *owned;
    c.id = id;
    c.pid = spawned->pid;
    c.in_fd = spawned->stdin_fd;
    c.peek_fd = spawned->stdin_peek_fd;
    c.out_fd = spawned->stdout_fd;
    c.err_fd = spawned->stderr_fd;
    c.input = std::move(spec.spawn.stdin_bytes);
    c.spec = std::move(spec);
    c.started = started;
    if (c.spec.timeout > 0) {
        c.deadline = started + c.spec.timeout;
    }
    c.pidfd = m_options.use_pidfd ? open_pidfd(c.pid) : -1;
    if (c.pidfd < 0) {
        m_polling_waitid = true;
    }
    watch(c.pidfd, &c, Role::pidfd);
    watch(c.out_fd, &c, Role::out);
    watch(c.err_fd, &c, Role::err);
    if (!c.stream() && c.in_fd >= 0) {
        watch(c.in_fd, &c, Role::in);
        feed(c);  // most inputs fit the pipe: no poll round needed
    }
    m_children.push_back(std::move(owned));
    return id;
}

void ChildSet::add_poll_fds(std::vector<pollfd>& fds) const {
    for (const auto& [fd, owner] : m_by_fd) {
        fds.push_back(pollfd{fd, static_cast<short>(owner.role == Role::in ? POLLOUT : POLLIN), 0});
    }
}

double ChildSet::next_deadline() const {
    if (!m_finished.empty()) {
        return 0;
    }
    double next = k_never;
    for (const auto& owned : m_children) {
        const Child& c = *owned;
        if (c.exited) {
            next = std::min(next, c.eof_deadline);
            continue;
        }
        if (!c.timed_out) {
            next = std::min(next, c.deadline);
        }
        next = std::min(next, c.kill_at);
    }
    if (m_polling_waitid) {
        next = std::min(next, steady_now() + k_fallback_tick);
    }
    return next;
}

int ChildSet::poll_timeout_ms(int limit_ms) const {
    double next = next_deadline();
    if (next == k_never) {
        return limit_ms;
    }
    double ms = std::ceil(std::max(0.0, next - steady_now()) * 1000);
    int wait = ms >= static_cast<double>(INT_MAX) ? INT_MAX : static_cast<int>(ms);
    return limit_ms >= 0 ? std::min(wait, limit_ms) : wait;
}

void ChildSet::handle(Child& c, Role role, double now) {
    switch (role) {
        case Role::pidfd:
            check_exit(c, now);
            break;
        case Role::out:
        case Role::err:
            drain(c, role);
            break;
        case Role::in:
            feed(c);
            break;
    }
}

void ChildSet::service(const std::vector<pollfd>& fds) {
    double now = steady_now();
    for (const pollfd& p : fds) {
        if (p.revents == 0) {
            continue;
        }
        auto it = m_by_fd.find(p.fd);
        if (it != m_by_fd.end()) {
            handle(*it->second.child, it->second.role, now);
        }
    }
    service_at(now);
}

void ChildSet::service() {
    double now = steady_now();
    for (auto& owned : m_children) {
        Child& c = *owned;
        if (c.pidfd >= 0) {
            check_exit(c, now);
        }
        drain(c, Role::out);
        drain(c, Role::err);
        if (!c.stream() && c.in_fd >= 0) {
            feed(c);
        }
    }
    service_at(now);
}

void ChildSet::service_at(double now) {
    bool polling = false;
    for (auto& owned : m_children) {
        Child& c = *owned;
        if (!c.exited && c.pidfd < 0) {
            check_exit(c, now);
        }
        on_time(c, now);
        polling = polling || (!c.exited && c.pidfd < 0);
    }
    m_polling_waitid = polling;
    std::erase_if(m_children, [&](const std::unique_ptr<Child>& c) { return collected(*c, now); });
}

void ChildSet::wait(int max_ms) {
    std::vector<pollfd> fds;
    add_poll_fds(fds);
    int timeout = poll_timeout_ms(max_ms);
    if (fds.empty() && timeout < 0) {
        return;  // nothing could ever wake us
    }
    int ready = ::poll(fds.data(), fds.size(), timeout);
    if (ready < 0) {
        fds.clear();  // EINTR: just look at the time
    }
    service(fds);
}

std::vector<ChildResult> ChildSet::take_finished() {
    for (int& fd : m_closing_stdins) {
        close_fd(fd);
    }
    m_closing_stdins.clear();
    std::vector<ChildResult> out;
    out.swap(m_finished);
    return out;
}

int ChildSet::stdin_fd(ChildId id) const {
    Child* c = find(id);
    return c != nullptr && c->stream() ? c->in_fd : -1;
}

pid_t ChildSet::pid(ChildId id) const {
    Child* c = find(id);
    return c != nullptr ? c->pid : -1;
}

std::size_t ChildSet::active() const {
    return static_cast<std::size_t>(
        std::count_if(m_children.begin(), m_children.end(), [](const auto& c) { return !c->reported; }));
}

std::size_t ChildSet::lingering() const {
    return m_children.size() - active();
}

}  // namespace ev
