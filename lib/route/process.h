// Process: starting destination commands from an argv (never a shell) and
// watching them through pidfds, so one poll loop sees them exit.
#pragma once

#include <sys/types.h>

#include <string>
#include <vector>

#include "core/result.h"

namespace ev::route {

/// A started child: its pid, a pidfd that polls readable when it exits, and
/// the write end of its stdin pipe (non-blocking).
struct Child {
    pid_t pid = -1;
    int pidfd = -1;
    int stdin_fd = -1;
    int peek_fd = -1;  ///< our copy of the pipe's read end, when asked for
};

/// Starts argv (searched on PATH) in its own process group with stdin from a
/// new pipe and stdout on our stderr; env entries ("K=V") are added to ours,
/// replacing equal keys. With keep_read_end, peek_fd is a copy of the pipe's
/// read end so unread bytes can be counted after the child dies.
Result<Child> spawn_child(const std::vector<std::string>& argv, const std::vector<std::string>& env,
                          bool keep_read_end);

/// How a child ended, from waitpid's status.
struct ExitStatus {
    bool exited = false;  ///< exited normally with code
    int code = 0;
    int signal = 0;  ///< killed by this signal
};

/// Reaps pid without blocking; false while it still runs.
bool reap_child(pid_t pid, ExitStatus& status);

/// "exited with status 3", "killed by signal 9 (Killed)".
std::string describe_exit(const ExitStatus& status);

/// Closes fd when it is open and sets it to -1.
void close_fd(int& fd);

}  // namespace ev::route
