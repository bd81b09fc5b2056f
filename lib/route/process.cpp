#include "route/process.h"

#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <set>

#include <fmt/format.h>

extern char** environ;

namespace ev::route {

void close_fd(int& fd) {
    if (fd >= 0) {
        ::close(fd);
        fd = -1;
    }
}

Result<Child> spawn_child(const std::vector<std::string>& argv, const std::vector<std::string>& env,
                          bool keep_read_end) {
    int fds[2];
    if (::pipe2(fds, O_CLOEXEC) != 0) {
        return make_error(fmt::format("pipe: {}", std::strerror(errno)));
    }
    std::vector<char*> args;
    for (const std::string& a : argv) {
        args.push_back(const_cast<char*>(a.c_str()));
    }
    args.push_back(nullptr);
    std::vector<char*> envp;
    std::set<std::string> keys;
    for (const std::string& e : env) {
        keys.insert(e.substr(0, e.find('=')));
        envp.push_back(const_cast<char*>(e.c_str()));
    }
    for (char** e = environ; *e != nullptr; ++e) {
        std::string_view entry(*e);
        if (keys.count(std::string(entry.substr(0, entry.find('=')))) == 0) {
            envp.push_back(*e);
        }
    }
    envp.push_back(nullptr);

    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_adddup2(&actions, fds[0], 0);
    posix_spawn_file_actions_adddup2(&actions, 2, 1);
    posix_spawnattr_t attr;
    posix_spawnattr_init(&attr);
    sigset_t none;
    sigemptyset(&none);
    sigset_t defaults;
    sigemptyset(&defaults);
    for (int sig : {SIGPIPE, SIGINT, SIGTERM, SIGHUP, SIGUSR1, SIGCHLD}) {
        sigaddset(&defaults, sig);
    }
    posix_spawnattr_setsigmask(&attr, &none);
    posix_spawnattr_setsigdefault(&attr, &defaults);
    posix_spawnattr_setpgroup(&attr, 0);
    posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF);
    pid_t pid = -1;
    int rc = posix_spawnp(&pid, args[0], &actions, &attr, args.data(), envp.data());
    posix_spawn_file_actions_destroy(&actions);
    posix_spawnattr_destroy(&attr);
    if (rc != 0) {
        ::close(fds[0]);
        ::close(fds[1]);
        return make_error(fmt::format("cannot start {}: {}", argv[0], std::strerror(rc)));
    }
    Child child;
    child.pid = pid;
    child.pidfd = static_cast<int>(::syscall(SYS_pidfd_open, pid, 0));
    child.stdin_fd = fds[1];
    ::fcntl(fds[1], F_SETFL, ::fcntl(fds[1], F_GETFL) | O_NONBLOCK);
    if (keep_read_end) {
        child.peek_fd = fds[0];
    } else {
        ::close(fds[0]);
    }
    return child;
}

bool reap_child(pid_t pid, ExitStatus& status) {
    int raw = 0;
    pid_t r = ::waitpid(pid, &raw, WNOHANG);
    if (r == 0) {
        return false;
    }
    if (r < 0) {
        status = ExitStatus{true, 0, 0};
        return true;
    }
    status = ExitStatus{};
    if (WIFEXITED(raw)) {
        status.exited = true;
        status.code = WEXITSTATUS(raw);
    } else if (WIFSIGNALED(raw)) {
        status.signal = WTERMSIG(raw);
    }
    return true;
}

std::string describe_exit(const ExitStatus& status) {
    if (status.exited) {
        return fmt::format("exited with status {}", status.code);
    }
    return fmt::format("killed by signal {} ({})", status.signal, strsignal(status.signal));
}

}  // namespace ev::route
