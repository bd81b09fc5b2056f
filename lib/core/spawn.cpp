#include "core/spawn.h"

#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <string_view>

#include <fmt/format.h>

extern char** environ;

namespace ev {

void close_fd(int& fd) {
    if (fd >= 0) {
        ::close(fd);
        fd = -1;
    }
}

int spawn_failure_exit_code(int error_number) {
    return error_number == ENOENT ? 127 : 126;
}

namespace {

// The default search path of execvp when the environment has no PATH.
constexpr const char* k_default_path = "/bin:/usr/bin";

std::string_view env_name(std::string_view entry) {
    return entry.substr(0, entry.find('='));
}

bool has_nul(const std::string& s) {
    return s.find('\0') != std::string::npos;
}

// Every descriptor that takes part in a spawn, closed on every path out.
struct Descriptors {
    int in[2] = {-1, -1};
    int out[2] = {-1, -1};
    int err[2] = {-1, -1};
    int out_copy = -1;  // a copy >= 3 of a to_fd target for stdout
    int err_copy = -1;
    ~Descriptors() {
        for (int* fd : {&in[0], &in[1], &out[0], &out[1], &err[0], &err[1], &out_copy, &err_copy}) {
            close_fd(*fd);
        }
    }
};

// Moves fd above the standard descriptors. A tool started with 0, 1 or 2
// closed gets pipes there, and a dup2 onto 0..2 in the child would then
// overwrite one source with another.
bool lift(int& fd) {
    if (fd > 2) {
        return true;
    }
    int moved = ::fcntl(fd, F_DUPFD_CLOEXEC, 3);
    if (moved < 0) {
        return false;
    }
    ::close(fd);
    fd = moved;
    return true;
}

bool make_pipe(int fds[2]) {
    return ::pipe2(fds, O_CLOEXEC) == 0 && lift(fds[0]) && lift(fds[1]);
}

void set_nonblocking(int fd) {
    int flags = ::fcntl(fd, F_GETFL);
    if (flags >= 0) {
        ::fcntl(fd, F_SETFL, flags | O_NONBLOCK);
    }
}

// The child's environment: ours (or none), with the extras replacing
// same-named entries; a later extra replaces an earlier one.
std::vector<const char*> build_environment(const SpawnSpec& spec) {
    std::vector<const char*> envp;
    auto overridden = [&](std::string_view name, std::size_t from) {
        for (std::size_t i = from; i < spec.env.size(); ++i) {
            if (env_name(spec.env[i]) == name) {
                return true;
            }
        }
        return false;
    };
    if (spec.inherit_env) {
        for (char** e = environ; e != nullptr && *e != nullptr; ++e) {
            if (!overridden(env_name(*e), 0)) {
                envp.push_back(*e);
            }
        }
    }
    for (std::size_t i = 0; i < spec.env.size(); ++i) {
        if (!overridden(env_name(spec.env[i]), i + 1)) {
            envp.push_back(spec.env[i].c_str());
        }
    }
    envp.push_back(nullptr);
    return envp;
}

bool is_executable_file(const std::string& path) {
    struct stat st {};
    return ::stat(path.c_str(), &st) == 0 && S_ISREG(st.st_mode) && ::access(path.c_str(), X_OK) == 0;
}

// The search path of the child's environment, as execvp reads it.
std::vector<std::string> environment_dirs(const std::vector<const char*>& envp) {
    const char* path = nullptr;
    for (const char* e : envp) {
        if (e != nullptr && std::string_view(e).rfind("PATH=", 0) == 0) {
            path = e + 5;
        }
    }
    return search_dirs(path);
}

// Checks what posix_spawn cannot: NUL bytes (c_str() would cut an argument
// short silently), environment entries without a name, impossible wirings.
Result<void> validate(const SpawnSpec& spec) {
    if (spec.argv.empty()) {
        return make_error("empty command");
    }
    for (std::size_t i = 0; i < spec.argv.size(); ++i) {
        if (has_nul(spec.argv[i])) {
            return make_error(fmt::format("argument {} contains a NUL byte", i));
        }
    }
    for (const std::string& e : spec.env) {
        if (has_nul(e) || e.find('=') == std::string::npos || e.front() == '=') {
            return make_error(fmt::format("bad environment entry \"{}\" (want NAME=value)", e.substr(0, e.find('\0'))));
        }
    }
    if (spec.stdout_mode == OutputMode::merge) {
        return make_error("stdout cannot be merged");
    }
    if (spec.stderr_mode == OutputMode::merge && spec.stdout_mode != OutputMode::capture) {
        return make_error("stderr can only be merged into a captured stdout");
    }
    if ((spec.stdout_mode == OutputMode::to_fd && spec.stdout_fd < 0) ||
        (spec.stderr_mode == OutputMode::to_fd && spec.stderr_fd < 0)) {
        return make_error("no descriptor to pass output to");
    }
    return {};
}

// A copy >= 3 of one of our descriptors, for a child's stdout or stderr.
bool copy_target(int fd, int& copy) {
    copy = ::fcntl(fd, F_DUPFD_CLOEXEC, 3);
    return copy >= 0;
}

}  // namespace

std::vector<std::string> search_dirs(const char* path) {
    std::string_view rest = path != nullptr ? path : k_default_path;
    std::vector<std::string> dirs;
    while (true) {
        std::size_t colon = rest.find(':');
        std::string_view dir = rest.substr(0, colon);
        dirs.emplace_back(dir.empty() ? std::string_view(".") : dir);
        if (colon == std::string_view::npos) {
            break;
        }
        rest.remove_prefix(colon + 1);
    }
    return dirs;
}

Result<std::string> find_executable(const std::string& name, const std::vector<std::string>& dirs, int* error_number) {
    auto fail = [&](int code) -> Result<std::string> {
        if (error_number != nullptr) {
            *error_number = code;
        }
        return make_error(std::strerror(code));
    };
    if (name.empty()) {
        return fail(ENOENT);
    }
    // A file found only without execute permission gives EACCES (126, as a
    // shell says); a name found nowhere gives ENOENT (127).
    if (name.find('/') != std::string::npos) {
        if (is_executable_file(name)) {
            return name;
        }
        return fail(::access(name.c_str(), F_OK) == 0 ? EACCES : ENOENT);
    }
    bool found_not_executable = false;
    for (const std::string& dir : dirs) {
        std::string candidate = fmt::format("{}/{}", dir.empty() ? "." : dir, name);
        if (is_executable_file(candidate)) {
            return candidate;
        }
        found_not_executable = found_not_executable || ::access(candidate.c_str(), F_OK) == 0;
    }
    return fail(found_not_executable ? EACCES : ENOENT);
}

Result<Spawned> spawn(const SpawnSpec& spec, int* error_number) {
    std::string label = spec.argv.empty() ? std::string() : spec.argv[0].substr(0, spec.argv[0].find('\0'));
    auto fail = [&](int code, const std::string& why) -> Result<Spawned> {
        if (error_number != nullptr) {
            *error_number = code;
        }
        if (spec.argv.empty()) {
            return make_error(fmt::format("cannot run an empty command"));
        }
        return make_error(fmt::format("cannot run {}: {}", label, why));
    };
    if (auto valid = validate(spec); !valid) {
        return fail(EINVAL, valid.error());
    }
    std::vector<const char*> envp = build_environment(spec);
    int resolve_error = 0;
    auto path = find_executable(spec.argv[0], spec.search_dirs.empty() ? environment_dirs(envp) : spec.search_dirs,
                                &resolve_error);
    if (!path) {
        return fail(resolve_error, path.error());
    }

    Descriptors d;
    bool stdin_pipe =
        spec.stdin_mode == StdinMode::stream || (spec.stdin_mode == StdinMode::bytes && !spec.stdin_bytes.empty());
    if ((stdin_pipe && !make_pipe(d.in)) || (spec.stdout_mode == OutputMode::capture && !make_pipe(d.out)) ||
        (spec.stderr_mode == OutputMode::capture && !make_pipe(d.err)) ||
        (spec.stdout_mode == OutputMode::to_fd && !copy_target(spec.stdout_fd, d.out_copy)) ||
        (spec.stderr_mode == OutputMode::to_fd && !copy_target(spec.stderr_fd, d.err_copy))) {
        int e = errno;
        return fail(e, std::strerror(e));
    }

    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    if (stdin_pipe) {
        posix_spawn_file_actions_adddup2(&actions, d.in[0], 0);
    } else {
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
    }
    switch (spec.stdout_mode) {
        case OutputMode::capture:
            posix_spawn_file_actions_adddup2(&actions, d.out[1], 1);
            break;
        case OutputMode::to_fd:
            posix_spawn_file_actions_adddup2(&actions, d.out_copy, 1);
            break;
        case OutputMode::merge:
        case OutputMode::discard:
            posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0);
            break;
    }
    switch (spec.stderr_mode) {
        case OutputMode::capture:
            posix_spawn_file_actions_adddup2(&actions, d.err[1], 2);
            break;
        case OutputMode::merge:
            posix_spawn_file_actions_adddup2(&actions, d.out[1], 2);
            break;
        case OutputMode::to_fd:
            posix_spawn_file_actions_adddup2(&actions, d.err_copy, 2);
            break;
        case OutputMode::discard:
            posix_spawn_file_actions_addopen(&actions, 2, "/dev/null", O_WRONLY, 0);
            break;
    }
    // Our descriptors are all close-on-exec; this also covers any a library
    // opened without the flag.
    posix_spawn_file_actions_addclosefrom_np(&actions, 3);

    posix_spawnattr_t attr;
    posix_spawnattr_init(&attr);
    // Our signals are blocked (the tools take them in their event loop) and
    // some are ignored; a child must start with none of that. Every bit is
    // set on purpose rather than with sigfillset: glibc leaves its internal
    // signals (32 and 33) ignored in the child, through exec, unless they are
    // named here, and sigfillset and sigaddset refuse to name them. SIGKILL
    // and SIGSTOP in the set are harmless (their sigaction just fails).
    sigset_t none;
    sigemptyset(&none);
    sigset_t all;
    std::memset(&all, 0xff, sizeof all);
    posix_spawnattr_setsigmask(&attr, &none);
    posix_spawnattr_setsigdefault(&attr, &all);
    // Own process group: a timeout reaches everything it started, and the
    // terminal's Ctrl-C reaches the tool only, which decides for its children.
    posix_spawnattr_setpgroup(&attr, 0);
    posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF);

    std::vector<char*> argv;
    argv.reserve(spec.argv.size() + 1);
    for (const std::string& a : spec.argv) {
        argv.push_back(const_cast<char*>(a.c_str()));
    }
    argv.push_back(nullptr);
    pid_t pid = -1;
    int rc = ::posix_spawn(&pid, path->c_str(), &actions, &attr, argv.data(), const_cast<char* const*>(envp.data()));
    posix_spawn_file_actions_destroy(&actions);
    posix_spawnattr_destroy(&attr);
    if (rc != 0) {
        return fail(rc, std::strerror(rc));
    }

    Spawned child;
    child.pid = pid;
    // The child's ends go with the Descriptors; ours are handed out.
    std::swap(child.stdin_fd, d.in[1]);
    if (spec.peek_stdin) {
        std::swap(child.stdin_peek_fd, d.in[0]);
    }
    std::swap(child.stdout_fd, d.out[0]);
    std::swap(child.stderr_fd, d.err[0]);
    for (int fd : {child.stdin_fd, child.stdout_fd, child.stderr_fd}) {
        if (fd >= 0) {
            set_nonblocking(fd);
        }
    }
    return child;
}

}  // namespace ev
