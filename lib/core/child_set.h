// ChildSet: the one child supervisor of lib/. It starts children with
// spawn(), watches them through pidfds (or, where pidfd_open fails, by
// polling waitid), feeds their stdin, captures their output with caps,
// enforces deadlines (TERM -> grace -> KILL to the whole process group) and
// hands out one result per child. It never blocks: a tool's one event loop
// polls its descriptors together with its input (add_poll_fds, next_deadline,
// service). No zombies, no descriptor leaks, and a background process that
// keeps a child's output open cannot hold up the child's result.
#pragma once

#include <poll.h>
#include <sys/types.h>

#include <cstddef>
#include <cstdint>
#include <limits>
#include <memory>
#include <string>
#include <unordered_map>
#include <vector>

#include "core/spawn.h"

namespace ev {

/// Identifies a child of a ChildSet; never reused within one set.
using ChildId = uint64_t;

/// Which part of an over-long output is kept.
enum class Keep {
    head,  ///< the first cap bytes (a plugin's first line matters)
    tail,  ///< the last cap bytes (an action's last words matter)
};

/// What becomes of the rest of a child's process group once the child
/// itself has exited on its own (a timed-out or stopped child's group is
/// always killed when the child exits).
enum class Leftovers {
    leave,                ///< background processes keep running; their hold on the output is cut at the EOF grace
    kill_if_output_open,  ///< SIGKILL the group when something still holds the output open after the EOF grace
    kill,                 ///< SIGKILL whatever remains of the group, always
};

/// One child to start and the policies that differ between tools.
struct ChildSpec {
    SpawnSpec spawn;                     ///< what to start and how to wire it
    uint64_t tag = 0;                    ///< the caller's handle, returned in the result
    std::size_t stdout_cap = 64 * 1024;  ///< bytes of captured stdout kept (merged stderr included)
    std::size_t stderr_cap = 64 * 1024;  ///< bytes of captured stderr kept
    Keep keep = Keep::head;              ///< which bytes of an over-long output are kept
    double timeout = 0;                  ///< seconds from start until it is stopped; 0: none
    double kill_grace = 2;               ///< seconds from SIGTERM to SIGKILL at the timeout; 0: SIGKILL at once
    double eof_grace = 0.1;              ///< seconds to keep reading output after the child exited
    Leftovers leftovers = Leftovers::kill_if_output_open;  ///< the fate of its group after a normal exit
    /// Hand the result out at the deadline, with the output read so far,
    /// instead of when the child has died; it is then killed and reaped in
    /// the background (lingering()).
    bool report_at_timeout = false;
};

/// How a child ended.
enum class Ending {
    exited,           ///< exit_code holds its exit status
    signaled,         ///< signal holds the signal that killed it
    failed_to_start,  ///< spawn failed: error and spawn_errno say why, exit_code is 127 or 126 as a shell says
    abandoned,        ///< report_at_timeout: still running at its deadline; it is being killed
    unknown,          ///< somebody else reaped it (a stray waitpid(-1)); how it ended is lost
};

/// The one result of one child.
struct ChildResult {
    ChildId id = 0;
    uint64_t tag = 0;  ///< ChildSpec::tag
    pid_t pid = -1;    ///< -1 when it never started
    Ending ending = Ending::unknown;
    int exit_code = -1;            ///< exited: the status; failed_to_start: 127 (not found) or 126
    int signal = 0;                ///< signaled: the terminating signal
    int spawn_errno = 0;           ///< failed_to_start: the errno
    std::string error;             ///< failed_to_start: "cannot run ARGV0: No such file or directory"
    bool timed_out = false;        ///< its deadline passed and it was sent SIGTERM (or SIGKILL)
    bool stopped = false;          ///< stop() or stop_all() was called for it
    bool output_cut = false;       ///< its output was still open at the EOF grace (a background process held it)
    double duration = 0;           ///< steady seconds from the spawn until its exit was seen (or its deadline)
    std::string out;               ///< captured stdout (with merge: stderr too), at most stdout_cap bytes
    std::string err;               ///< captured stderr, at most stderr_cap bytes
    bool out_truncated = false;    ///< stdout went past its cap
    bool err_truncated = false;    ///< stderr went past its cap
    std::size_t stdin_unread = 0;  ///< peek_stdin: bytes left unread in its stdin pipe when it ended
};

/// "exited with status 3", "killed by signal 9 (Killed)", "timed out; killed
/// by signal 15 (Terminated)", or the spawn error; for diagnostics.
std::string describe(const ChildResult& result);

/// Set-wide settings.
struct ChildSetOptions {
    bool use_pidfd = true;  ///< false: always detect exits by polling waitid (the fallback; for tests)
};

/// Runs many children at once from one event loop; single-threaded.
///
/// The constructor makes sure children can be waited for (an inherited
/// SIG_IGN or SA_NOCLDWAIT for SIGCHLD is reset to default) and that a write
/// to a pipe whose reader has gone fails with EPIPE instead of killing us
/// (SIGPIPE left at default is set to ignored, as every evkit tool has it).
/// Nothing else in the process may reap its children (no waitpid(-1)).
class ChildSet {
public:
    explicit ChildSet(ChildSetOptions options = {});
    /// Kills every child's process group with SIGKILL and reaps them, without
    /// results; call shutdown() first for a gentle end.
    ~ChildSet();
    ChildSet(const ChildSet&) = delete;
    ChildSet& operator=(const ChildSet&) = delete;

    /// Starts a child and returns its id. It never fails: exactly one result
    /// per id arrives in take_finished(), at once for a spawn failure.
    ChildId start(ChildSpec spec);

    /// Appends the descriptors to poll: pidfds and output pipes (POLLIN),
    /// stdin pipes being fed bytes (POLLOUT). Stream stdins are the caller's.
    void add_poll_fds(std::vector<pollfd>& fds) const;

    /// When service() must run next, in steady seconds (core/clock.h),
    /// whatever the descriptors do: a deadline, a kill, an EOF grace, the
    /// fallback's exit check; in the past when results are waiting;
    /// +infinity when nothing is due.
    double next_deadline() const;

    /// next_deadline() as a poll() timeout in milliseconds (-1: none), at
    /// most limit_ms when limit_ms >= 0.
    int poll_timeout_ms(int limit_ms = -1) const;

    /// Does what is due: reads output and feeds stdin where fds (as returned
    /// by poll, the caller's own entries included) say so, notices exits,
    /// acts on deadlines. Entries it does not own are ignored, and a
    /// spurious readiness is harmless.
    void service(const std::vector<pollfd>& fds);

    /// service() as if every descriptor were ready.
    void service();

    /// Polls its own descriptors for at most max_ms (less when a deadline is
    /// sooner; -1: until something happens) and services them; for callers
    /// without an event loop of their own, and tests.
    void wait(int max_ms);

    /// The results that arrived since the last call, in the order they did.
    /// Stream stdins of those children are closed now.
    std::vector<ChildResult> take_finished();

    /// Sends SIGTERM to the child's group now and SIGKILL grace seconds
    /// later (grace <= 0: SIGKILL now); a shorter grace than one already
    /// running wins. Its result has stopped set. False when id is not held or
    /// has exited already.
    bool stop(ChildId id, double grace);

    /// stop() for every child whose result is still owed.
    void stop_all(double grace);

    /// stop_all(grace), then services until every child is gone (or grace
    /// plus the longest EOF grace has passed, when it kills what is left);
    /// blocks. Results go to take_finished() as usual.
    void shutdown(double grace);

    /// The write end of a stream stdin (non-blocking), or -1. It stays open
    /// until close_stdin(), or until take_finished() hands out the result.
    int stdin_fd(ChildId id) const;

    /// Closes a child's stdin (stream or bytes; the peek end too): it reads
    /// end of file once it has read what is in the pipe.
    void close_stdin(ChildId id);

    /// peek_stdin: bytes written to the child's stdin it has not read yet.
    std::size_t stdin_unread(ChildId id) const;

    /// The child's pid (its process group id), or -1 when id is not held.
    pid_t pid(ChildId id) const;

    /// Children whose results are still owed (running, or exited and
    /// being collected).
    std::size_t active() const;

    /// Children already reported (report_at_timeout) but not yet reaped.
    std::size_t lingering() const;

    /// True when no child is held and no result waits.
    bool empty() const { return m_children.empty() && m_finished.empty(); }

private:
    struct Child;
    enum class Role : uint8_t { pidfd, out, err, in };
    struct FdOwner {
        Child* child;
        Role role;
    };

    Child* find(ChildId id) const;
    void watch(int fd, Child* child, Role role);
    void unwatch(int& fd);
    void handle(Child& c, Role role, double now);
    void check_exit(Child& c, double now);
    void on_time(Child& c, double now);
    void signal_group(Child& c, int sig);
    bool stop_child(Child& c, double grace, double now);
    void feed(Child& c);
    void drain(Child& c, Role role);
    void close_outputs(Child& c);
    void close_stdin_of(Child& c, bool keep_stream);
    void report(Child& c, Ending ending, double now);
    bool collected(Child& c, double now);
    void service_at(double now);

    ChildSetOptions m_options;
    std::vector<std::unique_ptr<Child>> m_children;
    std::unordered_map<int, FdOwner> m_by_fd;
    std::vector<ChildResult> m_finished;
    std::vector<int> m_closing_stdins;  // stream stdins closed at take_finished()
    ChildId m_next_id = 1;
    bool m_polling_waitid = false;  // some running child has no pidfd
};

}  // namespace ev
