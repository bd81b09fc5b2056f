// Spawn: the one way lib/ starts a process. posix_spawn from an argv (never a
// shell), in its own process group, with every signal disposition reset to
// default and an empty signal mask, an environment built on purpose, and
// stdin, stdout and stderr wired as asked. ChildSet (core/child_set.h) runs
// and collects what this starts; use spawn() directly only for a child you
// supervise yourself.
#pragma once

#include <sys/types.h>

#include <string>
#include <vector>

#include "core/result.h"

namespace ev {

/// Where a child's stdin comes from.
enum class StdinMode {
    null,    ///< /dev/null: the child reads end of file at once
    bytes,   ///< a pipe fed SpawnSpec::stdin_bytes, then closed (ChildSet writes them)
    stream,  ///< a pipe the caller writes into and closes when done
};

/// Where a child's stdout or stderr goes.
enum class OutputMode {
    capture,  ///< a pipe we read (ChildSet keeps up to a cap)
    merge,    ///< stderr only: into the same pipe as stdout (stdout must be capture), in write order
    to_fd,    ///< passed through to a descriptor of ours (e.g. 2, or a file)
    discard,  ///< /dev/null
};

/// What to start and how to wire it.
struct SpawnSpec {
    /// The command; argv[0] is a path (contains '/') or a name looked up on
    /// the PATH of the child's environment (not ours). Never a shell.
    std::vector<std::string> argv;
    /// Where a bare argv[0] is looked up, in order (find_executable); empty:
    /// the PATH of the child's environment.
    std::vector<std::string> search_dirs;
    /// Start from our environment (true) or from an empty one (false).
    bool inherit_env = true;
    /// "NAME=value" entries added to the environment; each replaces an
    /// inherited entry of the same name, and a later one an earlier one.
    std::vector<std::string> env;
    StdinMode stdin_mode = StdinMode::null;  ///< where stdin comes from
    std::string stdin_bytes;                 ///< StdinMode::bytes: what the child reads (empty: as /dev/null)
    /// Pipe modes: keep our own copy of the pipe's read end, so the bytes a
    /// child left unread can be counted (FIONREAD) even after it died.
    bool peek_stdin = false;
    OutputMode stdout_mode = OutputMode::capture;  ///< where stdout goes (merge is not allowed)
    int stdout_fd = -1;                            ///< OutputMode::to_fd: our descriptor for stdout
    OutputMode stderr_mode = OutputMode::capture;  ///< where stderr goes
    int stderr_fd = -1;                            ///< OutputMode::to_fd: our descriptor for stderr
};

/// A started child and our ends of its pipes. Every descriptor is
/// close-on-exec and non-blocking; the caller owns them (-1: none).
struct Spawned {
    pid_t pid = -1;          ///< also its process group id
    int stdin_fd = -1;       ///< write end of its stdin pipe (bytes, stream)
    int stdin_peek_fd = -1;  ///< our copy of that pipe's read end (peek_stdin)
    int stdout_fd = -1;      ///< read end of its stdout pipe (capture; carries stderr too with merge)
    int stderr_fd = -1;      ///< read end of its stderr pipe (capture)
};

/// The directories of a PATH value, in order; an empty element is the
/// current directory ("."). No value (nullptr) gives execvp's default,
/// /bin:/usr/bin.
std::vector<std::string> search_dirs(const char* path);

/// Where spawn() would start a command from: a name containing '/' as
/// given, a bare name as the first match in dirs (never the current
/// directory unless dirs names it), provided it is an executable regular
/// file. Otherwise error_number, when given, receives ENOENT (nothing of
/// that name) or EACCES (found, but not an executable file), and the
/// message is its strerror. For checking configurations before a run, and
/// for spawn() itself.
Result<std::string> find_executable(const std::string& name, const std::vector<std::string>& dirs,
                                    int* error_number = nullptr);

/// Starts spec as a new process group. On failure nothing is left behind
/// and, when error_number is given, it receives the errno: ENOENT (no such
/// program), EACCES or ENOEXEC (not executable), EINVAL (empty argv, a NUL
/// byte in argv or env, an env entry without "NAME=", an impossible wiring),
/// or what pipe2 or posix_spawn reported. The message reads
/// "cannot run ARGV0: No such file or directory".
Result<Spawned> spawn(const SpawnSpec& spec, int* error_number = nullptr);

/// The shell's exit code for a command that could not be started: 127 when
/// it was not found (ENOENT), 126 otherwise.
int spawn_failure_exit_code(int error_number);

/// Closes fd when it is open and sets it to -1.
void close_fd(int& fd);

}  // namespace ev
