#include "nagios/runner.h"

#include "core/signals.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <fmt/format.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cmath>
#include <cstring>

namespace ev::nagios {

struct Runner::Run {
    uint64_t token = 0;
    pid_t pid = -1;
    int pidfd = -1;
    int out_fd = -1;
    int err_fd = -1;
    std::size_t max_output = 0;
    double timeout = 0;
    double started = 0;   // steady seconds
    double deadline = 0;  // steady seconds
    double exited_at = 0;
    bool exited = false;
    bool pid_ready = false;  // the pidfd polled readable: the child exited
    int status = 0;
    RunRecord record;
};

double steady_now() {
    using namespace std::chrono;
    return duration<double>(steady_clock::now().time_since_epoch()).count();
}

namespace {

void close_fd(int& fd) {
    if (fd >= 0) {
        ::close(fd);
        fd = -1;
    }
}

int open_pidfd(pid_t pid) {
#ifdef SYS_pidfd_open
    long fd = ::syscall(SYS_pidfd_open, pid, 0);
    if (fd >= 0) {
        ::fcntl(static_cast<int>(fd), F_SETFD, FD_CLOEXEC);
        return static_cast<int>(fd);
    }
#endif
    return -1;
}

// The executable for argv[0]: a path as given, or the first match in the
// plugins' PATH (not ours), as execvp would do it.
std::string resolve(const std::string& name, const std::vector<std::string>& env) {
    if (name.find('/') != std::string::npos) {
        return name;
    }
    std::string_view path = "/usr/bin:/bin";
    for (const std::string& e : env) {
        if (e.rfind("PATH=", 0) == 0) {
            path = std::string_view(e).substr(5);
        }
    }
    std::string first_found;
    std::size_t begin = 0;
    while (begin <= path.size()) {
        std::size_t colon = path.find(':', begin);
        std::string_view dir = path.substr(begin, colon == std::string_view::npos ? colon : colon - begin);
        std::string candidate = fmt::format("{}/{}", dir.empty() ? "." : dir, name);
        if (::access(candidate.c_str(), X_OK) == 0) {
            return candidate;
        }
        if (first_found.empty() && ::access(candidate.c_str(), F_OK) == 0) {
            first_found = candidate;  // exists but not executable: report 126 like a shell
        }
        if (colon == std::string_view::npos) {
            break;
        }
        begin = colon + 1;
    }
    return first_found.empty() ? name : first_found;
}

// Appends what fd has ready to buf (up to max), discarding the rest so a
// chatty plugin never blocks on a full pipe. Returns false at end of file.
bool drain(int& fd, std::string& buf, std::size_t max, bool& truncated) {
    char chunk[65536];
    while (true) {
        ssize_t n = ::read(fd, chunk, sizeof chunk);
        if (n > 0) {
            std::size_t room = buf.size() < max ? max - buf.size() : 0;
            std::size_t take = std::min(room, static_cast<std::size_t>(n));
            buf.append(chunk, take);
            if (take < static_cast<std::size_t>(n)) {
                truncated = true;
            }
            continue;
        }
        if (n == 0) {
            close_fd(fd);
            return false;
        }
        if (errno == EINTR) {
            continue;
        }
        if (errno == EAGAIN || errno == EWOULDBLOCK) {
            return true;
        }
        close_fd(fd);
        return false;
    }
}

}  // namespace

Runner::Runner(RunnerOptions options, const Clock& clock) : m_options(std::move(options)), m_clock(clock) {
    // Inherited SIG_IGN for SIGCHLD would make the kernel reap our plugins
    // before we learn how they ended.
    ::signal(SIGCHLD, SIG_DFL);
    // exec resets caught signals by itself; only ignored ones need resetting
    // in the child, and naming just those saves the child ~60 system calls
    // while we wait for it (vfork).
    sigemptyset(&m_ignored);
    sigaddset(&m_ignored, SIGPIPE);
    for (int sig = 1; sig < NSIG; ++sig) {
        struct sigaction sa {};
        if (::sigaction(sig, nullptr, &sa) == 0 && sa.sa_handler == SIG_IGN) {
            sigaddset(&m_ignored, sig);
        }
    }
    m_devnull = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
    for (std::string& e : m_options.env) {
        m_envp.push_back(e.data());
    }
    m_envp.push_back(nullptr);
}

Runner::~Runner() {
    shutdown(0.5);
    close_fd(m_devnull);
}

uint64_t Runner::start(const Command& command) {
    uint64_t token = m_next_token++;
    double wall = m_clock.now();
    auto fail = [&](int code, std::string message) {
        Finished f;
        f.token = token;
        f.record.end.kind = RunEnd::Kind::spawn_failed;
        f.record.end.exit_code = code;
        f.record.err = std::move(message);
        f.record.time = wall;
        m_failed.push_back(std::move(f));
        return token;
    };
    if (command.argv.empty()) {
        return fail(127, "evsrc-nagios: empty command");
    }
    int out_pipe[2];
    int err_pipe[2];
    if (::pipe2(out_pipe, O_CLOEXEC) != 0) {
        return fail(126, fmt::format("evsrc-nagios: pipe: {}", std::strerror(errno)));
    }
    if (::pipe2(err_pipe, O_CLOEXEC) != 0) {
        int e = errno;
        ::close(out_pipe[0]);
        ::close(out_pipe[1]);
        return fail(126, fmt::format("evsrc-nagios: pipe: {}", std::strerror(e)));
    }
    // Only our read ends are non-blocking; the plugin gets ordinary pipes.
    ::fcntl(out_pipe[0], F_SETFL, O_NONBLOCK);
    ::fcntl(err_pipe[0], F_SETFL, O_NONBLOCK);

    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    if (m_devnull >= 0) {
        posix_spawn_file_actions_adddup2(&actions, m_devnull, 0);
    } else {
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
    }
    posix_spawn_file_actions_adddup2(&actions, out_pipe[1], 1);
    posix_spawn_file_actions_adddup2(&actions, err_pipe[1], 2);
    // Every descriptor we hold is close-on-exec already; this also covers
    // ones a library opened without it.
    posix_spawn_file_actions_addclosefrom_np(&actions, 3);
    posix_spawnattr_t attr;
    posix_spawnattr_init(&attr);
    sigset_t none;
    sigemptyset(&none);
    posix_spawnattr_setsigmask(&attr, &none);
    posix_spawnattr_setsigdefault(&attr, &m_ignored);
    posix_spawnattr_setpgroup(&attr, 0);
    posix_spawnattr_setflags(
        &attr, POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_USEVFORK);

    std::string path = resolve(command.argv[0], m_options.env);
    std::vector<char*> argv;
    argv.reserve(command.argv.size() + 1);
    for (const std::string& a : command.argv) {
        argv.push_back(const_cast<char*>(a.c_str()));
    }
    argv.push_back(nullptr);
    pid_t pid = -1;
    double started = steady_now();
    int rc = ::posix_spawn(&pid, path.c_str(), &actions, &attr, argv.data(), m_envp.data());
    posix_spawn_file_actions_destroy(&actions);
    posix_spawnattr_destroy(&attr);
    ::close(out_pipe[1]);
    ::close(err_pipe[1]);
    if (rc != 0) {
        ::close(out_pipe[0]);
        ::close(err_pipe[0]);
        return fail(rc == ENOENT ? 127 : 126,
                    fmt::format("evsrc-nagios: cannot run {}: {}", command.argv[0], std::strerror(rc)));
    }
    auto* run = new Run;
    run->token = token;
    run->pid = pid;
    run->pidfd = open_pidfd(pid);
    run->out_fd = out_pipe[0];
    run->err_fd = err_pipe[0];
    run->max_output = command.max_output;
    run->timeout = command.timeout;
    run->started = started;
    run->deadline = started + command.timeout;
    run->record.time = wall;
    m_runs.push_back(run);
    return token;
}

void Runner::finish(std::size_t index, std::vector<Finished>& done) {
    Run* run = m_runs[index];
    close_fd(run->out_fd);
    close_fd(run->err_fd);
    close_fd(run->pidfd);
    RunRecord& r = run->record;
    if (WIFEXITED(run->status)) {
        r.end.kind = RunEnd::Kind::exited;
        r.end.exit_code = WEXITSTATUS(run->status);
    } else {
        r.end.kind = RunEnd::Kind::signaled;
        r.end.signal = WIFSIGNALED(run->status) ? WTERMSIG(run->status) : 0;
    }
    r.duration = run->exited_at - run->started;
    done.push_back(Finished{run->token, std::move(r)});
    delete run;
    m_runs.erase(m_runs.begin() + static_cast<std::ptrdiff_t>(index));
}

void Runner::linger(pid_t pid, int pidfd, double now) {
    m_lingering.push_back(Linger{pid, pidfd, now + m_options.kill_grace, false});
}

void Runner::reap_lingering(double now) {
    for (std::size_t i = 0; i < m_lingering.size();) {
        Linger& l = m_lingering[i];
        if (!l.killed && now >= l.kill_at) {
            ::kill(-l.pid, SIGKILL);
            l.killed = true;
        }
        int status = 0;
        pid_t got = ::waitpid(l.pid, &status, WNOHANG);
        if (got == l.pid || (got < 0 && errno == ECHILD)) {
            // The plugin is gone; whatever it left in its group (a member that
            // ignored SIGTERM) goes now. The group id cannot be reused while
            // a member lives, so this reaches no stranger.
            if (!l.killed) {
                ::kill(-l.pid, SIGKILL);
            }
            close_fd(l.pidfd);
            m_lingering.erase(m_lingering.begin() + static_cast<std::ptrdiff_t>(i));
            continue;
        }
        ++i;
    }
}

void Runner::poll(int timeout_ms, std::vector<Finished>& done) {
    if (!m_failed.empty()) {
        for (Finished& f : m_failed) {
            done.push_back(std::move(f));
        }
        m_failed.clear();
        timeout_ms = 0;
    }
    double now = steady_now();
    bool need_wait_poll = false;  // no pidfd: check exits by polling waitpid
    double wake = timeout_ms < 0 ? 1e300 : now + timeout_ms / 1000.0;
    std::vector<pollfd> fds;
    std::vector<std::pair<std::size_t, int>> owners;  // run index, which fd (0 out, 1 err, 2 pid)
    fds.reserve(m_runs.size() * 3 + m_lingering.size());
    for (std::size_t i = 0; i < m_runs.size(); ++i) {
        Run* run = m_runs[i];
        if (run->out_fd >= 0) {
            fds.push_back({run->out_fd, POLLIN, 0});
            owners.emplace_back(i, 0);
        }
        if (run->err_fd >= 0) {
            fds.push_back({run->err_fd, POLLIN, 0});
            owners.emplace_back(i, 1);
        }
        if (!run->exited) {
            if (run->pidfd >= 0) {
                fds.push_back({run->pidfd, POLLIN, 0});
                owners.emplace_back(i, 2);
            } else {
                need_wait_poll = true;
            }
            wake = std::min(wake, run->deadline);
        } else {
            wake = std::min(wake, run->exited_at + m_options.exit_grace);
        }
    }
    for (const Linger& l : m_lingering) {
        if (l.pidfd >= 0) {
            fds.push_back({l.pidfd, POLLIN, 0});
            owners.emplace_back(SIZE_MAX, 2);
        } else {
            need_wait_poll = true;
        }
        if (!l.killed) {
            wake = std::min(wake, l.kill_at);
        }
    }
    if (need_wait_poll) {
        wake = std::min(wake, now + 0.01);
    }
    int wait_ms = wake >= 1e299 ? -1 : static_cast<int>(std::ceil(std::max(0.0, wake - now) * 1000));
    int ready = signals::poll(fds.data(), fds.size(), wait_ms);
    now = steady_now();
    if (ready > 0) {
        for (std::size_t k = 0; k < fds.size(); ++k) {
            if (fds[k].revents == 0 || owners[k].first == SIZE_MAX) {
                continue;
            }
            Run* run = m_runs[owners[k].first];
            if (owners[k].second == 2) {
                run->pid_ready = true;
            } else if (owners[k].second == 0 && run->out_fd >= 0) {
                drain(run->out_fd, run->record.out, run->max_output, run->record.truncated);
            } else if (owners[k].second == 1 && run->err_fd >= 0) {
                drain(run->err_fd, run->record.err, run->max_output, run->record.truncated);
            }
        }
    }
    for (Run* run : m_runs) {
        if (run->exited || (run->pidfd >= 0 && !run->pid_ready)) {
            continue;
        }
        // A pidfd says "exited" by polling readable; without one we just ask.
        int status = 0;
        pid_t got = ::waitpid(run->pid, &status, WNOHANG);
        if (got == run->pid) {
            run->exited = true;
            run->status = status;
            run->exited_at = now;
            // Pick up what the plugin wrote just before exiting.
            if (run->out_fd >= 0) {
                drain(run->out_fd, run->record.out, run->max_output, run->record.truncated);
            }
            if (run->err_fd >= 0) {
                drain(run->err_fd, run->record.err, run->max_output, run->record.truncated);
            }
        }
    }
    for (std::size_t i = 0; i < m_runs.size();) {
        Run* run = m_runs[i];
        if (run->exited) {
            bool pipes_closed = run->out_fd < 0 && run->err_fd < 0;
            if (pipes_closed || now >= run->exited_at + m_options.exit_grace) {
                if (!pipes_closed) {
                    // Something the plugin left behind still holds its output
                    // open: end that process group rather than wait on it.
                    ::kill(-run->pid, SIGKILL);
                }
                finish(i, done);
                continue;
            }
        } else if (now >= run->deadline) {
            ::kill(-run->pid, SIGTERM);
            close_fd(run->out_fd);
            close_fd(run->err_fd);
            RunRecord& r = run->record;
            r.end.kind = RunEnd::Kind::timed_out;
            r.end.timeout = run->timeout;
            r.duration = now - run->started;
            done.push_back(Finished{run->token, std::move(r)});
            linger(run->pid, run->pidfd, now);
            delete run;
            m_runs.erase(m_runs.begin() + static_cast<std::ptrdiff_t>(i));
            continue;
        }
        ++i;
    }
    reap_lingering(now);
}

void Runner::shutdown(double grace) {
    double now = steady_now();
    for (Run* run : m_runs) {
        if (!run->exited) {
            ::kill(-run->pid, SIGTERM);
            close_fd(run->out_fd);
            close_fd(run->err_fd);
            linger(run->pid, run->pidfd, now);
            m_lingering.back().kill_at = now + grace;
        } else {
            close_fd(run->out_fd);
            close_fd(run->err_fd);
            close_fd(run->pidfd);
        }
        delete run;
    }
    m_runs.clear();
    m_failed.clear();
    for (Linger& l : m_lingering) {
        l.kill_at = std::min(l.kill_at, now + grace);
    }
    while (!m_lingering.empty()) {
        reap_lingering(steady_now());
        if (!m_lingering.empty()) {
            ::usleep(5000);
        }
    }
}

}  // namespace ev::nagios
