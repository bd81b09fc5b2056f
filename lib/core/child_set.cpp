#include "core/child_set.h"

#include <signal.h>
#include <sys/ioctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <climits>
#include <cmath>
#include <cstring>

#include <fmt/format.h>

#include "core/clock.h"

namespace ev {

namespace {

constexpr double k_never = std::numeric_limits<double>::infinity();
// Without a pidfd an exit is noticed by asking this often.
constexpr double k_fallback_tick = 0.01;
// Reads of one pipe per service: a child that writes without pause must not
// hold the event loop.
constexpr int k_read_rounds = 16;
constexpr std::size_t k_chunk = 64 * 1024;

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

// Appends what a child wrote to what is kept of it, under its cap.
void keep_output(std::string& buf, const char* data, std::size_t n, std::size_t cap, Keep keep, bool& truncated) {
    if (keep == Keep::head) {
        std::size_t room = buf.size() < cap ? cap - buf.size() : 0;
        std::size_t take = std::min(room, n);
        buf.append(data, take);
        truncated = truncated || take < n;
        return;
    }
    buf.append(data, n);
    if (buf.size() > cap) {
        truncated = true;
        // Trim now and then, not on every read; report() trims exactly.
        if (buf.size() > 2 * cap + k_chunk) {
            buf.erase(0, buf.size() - cap);
        }
    }
}

void trim_tail(std::string& buf, std::size_t cap, Keep keep) {
    if (keep == Keep::tail && buf.size() > cap) {
        buf.erase(0, buf.size() - cap);
    }
}

}  // namespace

struct ChildSet::Child {
    ChildId id = 0;
    ChildSpec spec;
    pid_t pid = -1;
    int pidfd = -1;
    int in_fd = -1;  // bytes: ours to feed (watched); stream: the caller's
    int peek_fd = -1;
    int out_fd = -1;
    int err_fd = -1;
    std::string input;  // StdinMode::bytes
    std::size_t input_off = 0;
    std::string out;
    std::string err;
    bool out_truncated = false;
    bool err_truncated = false;
    double started = 0;  // steady seconds
    double deadline = k_never;
    double kill_at = k_never;
    double exited_at = 0;
    double eof_deadline = k_never;
    bool exited = false;  // a zombie now: waited for with WNOWAIT, reaped when collected
    bool lost = false;    // reaped by somebody else: never signal its pid again
    bool reported = false;
    bool timed_out = false;
    bool stopped = false;
    bool term_sent = false;
    bool output_cut = false;
    int wait_code = 0;  // siginfo si_code: CLD_EXITED, CLD_KILLED, CLD_DUMPED
    int wait_status = 0;

    bool stream() const { return spec.spawn.stdin_mode == StdinMode::stream; }
    bool output_open() const { return out_fd >= 0 || err_fd >= 0; }
};

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

void ChildSet::feed(Child& c) {
    while (c.in_fd >= 0 && c.input_off < c.input.size()) {
        ssize_t n = ::write(c.in_fd, c.input.data() + c.input_off, c.input.size() - c.input_off);
        if (n > 0) {
            c.input_off += static_cast<std::size_t>(n);
        } else if (n < 0 && errno == EINTR) {
            continue;
        } else if (n < 0 && errno == EAGAIN) {
            return;
        } else {
            break;  // EPIPE: it does not read its stdin, which is its business
        }
    }
    unwatch(c.in_fd);
    c.input.clear();
    c.input.shrink_to_fit();
}

void ChildSet::drain(Child& c, Role role) {
    int& fd = role == Role::out ? c.out_fd : c.err_fd;
    std::string& buf = role == Role::out ? c.out : c.err;
    bool& truncated = role == Role::out ? c.out_truncated : c.err_truncated;
    std::size_t cap = role == Role::out ? c.spec.stdout_cap : c.spec.stderr_cap;
    char chunk[k_chunk];
    for (int round = 0; round < k_read_rounds && fd >= 0;) {
        ssize_t n = ::read(fd, chunk, sizeof chunk);
        if (n > 0) {
            keep_output(buf, chunk, static_cast<std::size_t>(n), cap, c.spec.keep, truncated);
            ++round;
        } else if (n < 0 && errno == EINTR) {
            continue;
        } else if (n < 0 && errno == EAGAIN) {
            return;
        } else {
            unwatch(fd);  // end of file, or an error that will not pass
        }
    }
}

void ChildSet::signal_group(Child& c, int sig) {
    // The child is not reaped yet (at most a zombie), so its pid, and the
    // group id that equals it, cannot belong to anybody else. A child that
    // moved to another group is still reached by its pid.
    if (::kill(-c.pid, sig) != 0 && errno == ESRCH) {
        ::kill(c.pid, sig);
    }
}

void ChildSet::check_exit(Child& c, double now) {
    if (c.exited) {
        return;
    }
    siginfo_t si{};
    int rc;
    do {
        // WNOWAIT leaves a zombie, which keeps the pid and the group id ours
        // until collected() reaps it.
        rc = ::waitid(P_PID, static_cast<id_t>(c.pid), &si, WEXITED | WNOHANG | WNOWAIT);
    } while (rc != 0 && errno == EINTR);
    if (rc == 0 && si.si_pid == 0) {
        return;  // still running
    }
    if (rc != 0) {
        c.lost = true;  // ECHILD: somebody reaped it behind our back
    } else {
        c.wait_code = si.si_code;
        c.wait_status = si.si_status;
    }
    c.exited = true;
    c.exited_at = now;
    c.kill_at = k_never;
    unwatch(c.pidfd);
    if ((c.timed_out || c.stopped) && !c.lost) {
        // It was told to go; whatever it leaves behind in its group goes too.
        signal_group(c, SIGKILL);
    }
    if (!c.stream()) {
        unwatch(c.in_fd);
    }
    // What it wrote before exiting is in the pipes already.
    for (Role role : {Role::out, Role::err}) {
        drain(c, role);
    }
    c.eof_deadline = c.output_open() ? now + c.spec.eof_grace : now;
}

void ChildSet::close_outputs(Child& c) {
    unwatch(c.out_fd);
    unwatch(c.err_fd);
}

void ChildSet::close_stdin_of(Child& c, bool keep_stream) {
    if (c.stream() && keep_stream) {
        // The caller may still hold the number; it closes at take_finished().
        if (c.in_fd >= 0) {
            m_closing_stdins.push_back(c.in_fd);
            c.in_fd = -1;
        }
    } else if (c.stream()) {
        close_fd(c.in_fd);
    } else {
        unwatch(c.in_fd);
    }
}

void ChildSet::report(Child& c, Ending ending, double now) {
    ChildResult r;
    r.id = c.id;
    r.tag = c.spec.tag;
    r.pid = c.pid;
    r.ending = ending;
    if (ending == Ending::exited) {
        r.exit_code = c.wait_status;
    } else if (ending == Ending::signaled) {
        r.signal = c.wait_status;
    }
    r.timed_out = c.timed_out;
    r.stopped = c.stopped;
    r.output_cut = c.output_cut;
    r.duration = (c.exited ? c.exited_at : now) - c.started;
    trim_tail(c.out, c.spec.stdout_cap, c.spec.keep);
    trim_tail(c.err, c.spec.stderr_cap, c.spec.keep);
    r.out = std::move(c.out);
    r.err = std::move(c.err);
    r.out_truncated = c.out_truncated;
    r.err_truncated = c.err_truncated;
    int unread = 0;
    if (c.peek_fd >= 0 && ::ioctl(c.peek_fd, FIONREAD, &unread) == 0 && unread > 0) {
        r.stdin_unread = static_cast<std::size_t>(unread);
    }
    close_fd(c.peek_fd);
    close_stdin_of(c, true);
    c.reported = true;
    m_finished.push_back(std::move(r));
}

void ChildSet::on_time(Child& c, double now) {
    if (c.exited) {
        return;
    }
    if (!c.timed_out && now >= c.deadline) {
        c.timed_out = true;
        if (c.spec.kill_grace <= 0) {
            signal_group(c, SIGKILL);
        } else {
            if (!c.term_sent) {  // stop() may have sent it already
                signal_group(c, SIGTERM);
                c.term_sent = true;
            }
            c.kill_at = std::min(c.kill_at, now + c.spec.kill_grace);
        }
        if (c.spec.report_at_timeout && !c.reported) {
            close_outputs(c);
            report(c, Ending::abandoned, now);
        }
    }
    if (now >= c.kill_at) {
        signal_group(c, SIGKILL);
        c.kill_at = k_never;
    }
}

bool ChildSet::collected(Child& c, double now) {
    if (!c.exited || (c.output_open() && now < c.eof_deadline)) {
        return false;
    }
    bool group_killed = c.timed_out || c.stopped;
    if (c.output_open()) {
        // Something it left behind still holds its output open.
        close_outputs(c);
        c.output_cut = true;
        if (c.spec.leftovers != Leftovers::leave && !group_killed && !c.lost) {
            signal_group(c, SIGKILL);
        }
    } else if (c.spec.leftovers == Leftovers::kill && !group_killed && !c.lost) {
        signal_group(c, SIGKILL);
    }
    if (!c.reported) {
        Ending ending = Ending::unknown;
        if (!c.lost) {
            ending = c.wait_code == CLD_EXITED ? Ending::exited : Ending::signaled;
        }
        report(c, ending, now);
    }
    close_fd(c.peek_fd);
    close_stdin_of(c, true);
    if (!c.lost) {
        siginfo_t si{};
        while (::waitid(P_PID, static_cast<id_t>(c.pid), &si, WEXITED) != 0 && errno == EINTR) {
        }
    }
    return true;
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

bool ChildSet::stop(ChildId id, double grace) {
    Child* c = find(id);
    return c != nullptr && stop_child(*c, grace, steady_now());
}

bool ChildSet::stop_child(Child& c, double grace, double now) {
    if (c.exited) {
        return false;
    }
    if (!c.reported) {
        c.stopped = true;
    }
    if (grace <= 0) {
        signal_group(c, SIGKILL);
        c.kill_at = k_never;
        return true;
    }
    if (!c.term_sent) {
        signal_group(c, SIGTERM);
        c.term_sent = true;
    }
    c.kill_at = std::min(c.kill_at, now + grace);
    return true;
}

void ChildSet::stop_all(double grace) {
    double now = steady_now();
    for (auto& c : m_children) {
        stop_child(*c, grace, now);
    }
}

void ChildSet::shutdown(double grace) {
    stop_all(grace);
    double longest_eof = 0;
    for (auto& c : m_children) {
        longest_eof = std::max(longest_eof, c->spec.eof_grace);
    }
    double give_up = steady_now() + std::max(0.0, grace) + longest_eof + 0.5;
    while (!m_children.empty() && steady_now() < give_up) {
        wait(std::max(1, static_cast<int>(std::ceil((give_up - steady_now()) * 1000))));
    }
    // Only a child stuck in the kernel (D state) gets here; wait for it.
    for (auto& owned : m_children) {
        Child& c = *owned;
        if (!c.exited) {
            signal_group(c, SIGKILL);
            siginfo_t si{};
            while (::waitid(P_PID, static_cast<id_t>(c.pid), &si, WEXITED | WNOWAIT) != 0 && errno == EINTR) {
            }
            check_exit(c, steady_now());
        }
        c.eof_deadline = 0;
    }
    std::erase_if(m_children, [&](const std::unique_ptr<Child>& c) { return collected(*c, steady_now()); });
}

int ChildSet::stdin_fd(ChildId id) const {
    Child* c = find(id);
    return c != nullptr && c->stream() ? c->in_fd : -1;
}

void ChildSet::close_stdin(ChildId id) {
    if (Child* c = find(id)) {
        close_stdin_of(*c, false);
        close_fd(c->peek_fd);
    }
}

std::size_t ChildSet::stdin_unread(ChildId id) const {
    Child* c = find(id);
    int unread = 0;
    if (c == nullptr || c->peek_fd < 0 || ::ioctl(c->peek_fd, FIONREAD, &unread) != 0 || unread < 0) {
        return 0;
    }
    return static_cast<std::size_t>(unread);
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
