#include "batch/process.h"

#include "core/signals.h"

#include <fcntl.h>
#include <poll.h>
#include <spawn.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstring>

extern char** environ;

namespace ev::batch {

namespace {

void on_child(int) {}

void set_nonblocking(int fd) {
    int flags = fcntl(fd, F_GETFL);
    if (flags >= 0) {
        fcntl(fd, F_SETFL, flags | O_NONBLOCK);
    }
}

void close_fd(int& fd) {
    if (fd >= 0) {
        ::close(fd);
        fd = -1;
    }
}

// The environment for a child: ours, with extra entries replacing same-named ones.
std::vector<std::string> child_environment(const std::vector<std::string>& extra) {
    std::vector<std::string> env;
    for (char** e = environ; e != nullptr && *e != nullptr; ++e) {
        std::string_view entry(*e);
        std::string_view name = entry.substr(0, entry.find('='));
        bool replaced = std::any_of(extra.begin(), extra.end(), [&](const std::string& x) {
            return x.size() > name.size() && x.compare(0, name.size(), name) == 0 && x[name.size()] == '=';
        });
        if (!replaced) {
            env.emplace_back(entry);
        }
    }
    env.insert(env.end(), extra.begin(), extra.end());
    return env;
}

std::vector<char*> c_strings(std::vector<std::string>& strings) {
    std::vector<char*> out;
    out.reserve(strings.size() + 1);
    for (std::string& s : strings) {
        out.push_back(s.data());
    }
    out.push_back(nullptr);
    return out;
}

}  // namespace

double monotonic_now() {
    timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) / 1e9;
}

SignalGate::SignalGate(std::vector<int> sigs) {
    struct sigaction sa;
    std::memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_child;
    sigemptyset(&sa.sa_mask);
    sa.sa_flags = SA_NOCLDSTOP;
    sigaction(SIGCHLD, &sa, &m_old_chld);
    // A child that stops reading its stdin must not kill us.
    signal(SIGPIPE, SIG_IGN);
    sigset_t block;
    sigemptyset(&block);
    sigaddset(&block, SIGCHLD);
    for (int s : sigs) {
        sigaddset(&block, s);
    }
    sigprocmask(SIG_BLOCK, &block, &m_old);
}

SignalGate::~SignalGate() {
    sigprocmask(SIG_SETMASK, &m_old, nullptr);
    sigaction(SIGCHLD, &m_old_chld, nullptr);
}

Runner::Runner(const SignalGate& gate, std::size_t output_limit, double kill_after)
    : m_gate(gate), m_output_limit(output_limit), m_kill_after(kill_after) {}

Runner::~Runner() {
    for (auto& [pid, p] : m_procs) {
        kill(-pid, SIGKILL);
        int status = 0;
        waitpid(pid, &status, 0);
        close_fd(p.out_fd);
        close_fd(p.in_fd);
    }
}

void Runner::start(const SpawnRequest& request) {
    Finished failed;
    failed.tag = request.tag;
    failed.exit_code = 127;
    int out[2] = {-1, -1};
    int in[2] = {-1, -1};
    if (request.argv.empty()) {
        failed.spawn_error = "empty command";
        m_finished.push_back(std::move(failed));
        return;
    }
    if (pipe2(out, O_CLOEXEC) != 0 || pipe2(in, O_CLOEXEC) != 0) {
        failed.spawn_error = std::strerror(errno);
        close_fd(out[0]);
        close_fd(out[1]);
        m_finished.push_back(std::move(failed));
        return;
    }
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_adddup2(&actions, in[0], 0);
    posix_spawn_file_actions_adddup2(&actions, out[1], 1);
    posix_spawn_file_actions_adddup2(&actions, out[1], 2);
    posix_spawnattr_t attr;
    posix_spawnattr_init(&attr);
    // Own process group: a timeout kills the whole group, and the terminal's
    // Ctrl-C reaches evbatch only, which decides what the actions get.
    posix_spawnattr_setpgroup(&attr, 0);
    sigset_t none;
    sigemptyset(&none);
    posix_spawnattr_setsigmask(&attr, &none);
    sigset_t defaults;
    sigemptyset(&defaults);
    for (int s : {SIGINT, SIGTERM, SIGHUP, SIGUSR1, SIGUSR2, SIGPIPE, SIGCHLD, SIGQUIT, SIGALRM}) {
        sigaddset(&defaults, s);
    }
    posix_spawnattr_setsigdefault(&attr, &defaults);
    posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF);

    std::vector<std::string> args = request.argv;
    std::vector<char*> argv = c_strings(args);
    std::vector<std::string> env_strings = child_environment(request.env);
    std::vector<char*> envp = c_strings(env_strings);
    double start = monotonic_now();
    pid_t pid = -1;
    int rc = posix_spawnp(&pid, argv[0], &actions, &attr, argv.data(), envp.data());
    posix_spawn_file_actions_destroy(&actions);
    posix_spawnattr_destroy(&attr);
    close_fd(in[0]);
    close_fd(out[1]);
    if (rc != 0) {
        failed.spawn_error = std::strerror(rc);
        close_fd(in[1]);
        close_fd(out[0]);
        m_finished.push_back(std::move(failed));
        return;
    }
    Proc& p = m_procs[pid];
    p.tag = request.tag;
    p.pid = pid;
    p.out_fd = out[0];
    p.in_fd = in[1];
    p.start = start;
    p.deadline = request.timeout > 0 ? start + request.timeout : 0;
    set_nonblocking(p.out_fd);
    set_nonblocking(p.in_fd);
    p.input = request.input;
    if (p.input.empty()) {
        close_fd(p.in_fd);
    } else {
        write_input(p);
    }
}

void Runner::append_output(Proc& p, const char* data, std::size_t n) {
    p.output.append(data, n);
    if (p.output.size() > 2 * m_output_limit + 4096) {
        p.output.erase(0, p.output.size() - m_output_limit);
        p.truncated = true;
    }
}

void Runner::read_output(Proc& p) {
    char buf[65536];
    // Bounded: a grandchild that writes for ever must not hold us here.
    for (int rounds = 0; rounds < 64 && p.out_fd >= 0; ++rounds) {
        ssize_t n = ::read(p.out_fd, buf, sizeof buf);
        if (n > 0) {
            append_output(p, buf, static_cast<std::size_t>(n));
        } else if (n == 0) {
            close_fd(p.out_fd);
        } else if (errno == EINTR) {
            continue;
        } else {
            if (errno != EAGAIN) {
                close_fd(p.out_fd);
            }
            break;
        }
    }
}

void Runner::write_input(Proc& p) {
    while (p.in_fd >= 0 && p.input_off < p.input.size()) {
        ssize_t n = ::write(p.in_fd, p.input.data() + p.input_off, p.input.size() - p.input_off);
        if (n > 0) {
            p.input_off += static_cast<std::size_t>(n);
        } else if (n < 0 && errno == EINTR) {
            continue;
        } else if (n < 0 && errno == EAGAIN) {
            return;
        } else {
            break;  // EPIPE: the command does not read its stdin
        }
    }
    close_fd(p.in_fd);
    p.input.clear();
}

void Runner::reap() {
    for (auto it = m_procs.begin(); it != m_procs.end();) {
        Proc& p = it->second;
        int status = 0;
        pid_t r = waitpid(p.pid, &status, WNOHANG);
        if (r != p.pid) {
            ++it;
            continue;
        }
        Finished f;
        f.tag = p.tag;
        f.spawned = true;
        f.duration = monotonic_now() - p.start;
        if (WIFEXITED(status)) {
            f.exited = true;
            f.exit_code = WEXITSTATUS(status);
        } else if (WIFSIGNALED(status)) {
            f.signal = WTERMSIG(status);
        }
        f.timed_out = p.timed_out;
        f.killed = p.killed;
        // What the command wrote before exiting is in the pipe already; a
        // grandchild holding the pipe open must not delay the result.
        read_output(p);
        close_fd(p.out_fd);
        close_fd(p.in_fd);
        if (p.output.size() > m_output_limit) {
            p.output.erase(0, p.output.size() - m_output_limit);
            p.truncated = true;
        }
        f.output = std::move(p.output);
        f.truncated = p.truncated;
        m_finished.push_back(std::move(f));
        it = m_procs.erase(it);
    }
}

void Runner::check_deadlines(double now) {
    for (auto& [pid, p] : m_procs) {
        if (p.deadline > 0 && now >= p.deadline) {
            p.deadline = 0;
            p.timed_out = true;
            kill(-pid, SIGTERM);
            p.kill_deadline = now + m_kill_after;
        }
        if (p.kill_deadline > 0 && now >= p.kill_deadline) {
            p.kill_deadline = 0;
            kill(-pid, SIGKILL);
        }
    }
}

void Runner::kill_all(bool now_kill) {
    double now = monotonic_now();
    for (auto& [pid, p] : m_procs) {
        p.killed = true;
        if (now_kill) {
            kill(-pid, SIGKILL);
            p.kill_deadline = 0;
        } else {
            kill(-pid, SIGTERM);
            p.kill_deadline = now + m_kill_after;
        }
    }
}

bool Runner::wait(int timeout_ms, int extra_fd) {
    reap();
    double now = monotonic_now();
    check_deadlines(now);
    if (!m_finished.empty()) {
        timeout_ms = 0;
    }
    double next = 0;
    for (const auto& [pid, p] : m_procs) {
        for (double d : {p.deadline, p.kill_deadline}) {
            if (d > 0 && (next == 0 || d < next)) {
                next = d;
            }
        }
    }
    if (next > 0) {
        int ms = static_cast<int>(std::ceil(std::max(0.0, next - now) * 1000));
        timeout_ms = timeout_ms < 0 ? ms : std::min(timeout_ms, ms);
    }
    std::vector<pollfd> fds;
    std::vector<std::pair<pid_t, bool>> owners;  // pid, is stdin
    if (extra_fd >= 0) {
        fds.push_back({extra_fd, POLLIN, 0});
        owners.push_back({-1, false});
    }
    // Stop and other contract signals arrive on the signal regime's signalfd.
    if (signals::fd() >= 0) {
        fds.push_back({signals::fd(), POLLIN, 0});
        owners.push_back({-2, false});
    }
    for (const auto& [pid, p] : m_procs) {
        if (p.out_fd >= 0) {
            fds.push_back({p.out_fd, POLLIN, 0});
            owners.push_back({pid, false});
        }
        if (p.in_fd >= 0) {
            fds.push_back({p.in_fd, POLLOUT, 0});
            owners.push_back({pid, true});
        }
    }
    timespec ts{};
    timespec* tsp = nullptr;
    if (timeout_ms >= 0) {
        ts.tv_sec = timeout_ms / 1000;
        ts.tv_nsec = static_cast<long>(timeout_ms % 1000) * 1000000L;
        tsp = &ts;
    }
    int ready = ppoll(fds.data(), fds.size(), tsp, &m_gate.wait_mask());
    bool extra_ready = false;
    if (ready > 0) {
        for (std::size_t i = 0; i < fds.size(); ++i) {
            if (fds[i].revents == 0) {
                continue;
            }
            if (owners[i].first == -2) {
                signals::check();
                continue;
            }
            if (owners[i].first < 0) {
                extra_ready = true;
                continue;
            }
            auto it = m_procs.find(owners[i].first);
            if (it == m_procs.end()) {
                continue;
            }
            if (owners[i].second) {
                write_input(it->second);
            } else {
                read_output(it->second);
            }
        }
    }
    reap();
    check_deadlines(monotonic_now());
    return extra_ready;
}

std::vector<Finished> Runner::take_finished() {
    std::vector<Finished> out;
    out.swap(m_finished);
    return out;
}

}  // namespace ev::batch
