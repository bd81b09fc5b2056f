// Runner: starts commands from an argv with posix_spawn (never a shell),
// each in its own process group, feeds their stdin, keeps the tail of their
// output, enforces timeouts (TERM, then KILL) and reports how they ended.
#pragma once

#include <signal.h>
#include <sys/types.h>

#include <cstdint>
#include <map>
#include <string>
#include <vector>

namespace ev::batch {

/// What to start.
struct SpawnRequest {
    std::vector<std::string> argv;
    std::vector<std::string> env;  ///< extra "NAME=value" entries over the inherited environment
    std::string input;             ///< written to the command's stdin, which is then closed
    double timeout = 0;            ///< seconds; 0 means none
    uint64_t tag = 0;              ///< the caller's handle, returned in Finished
};

/// How one command ended.
struct Finished {
    uint64_t tag = 0;
    bool spawned = false;  ///< false: posix_spawn failed (spawn_error says why)
    std::string spawn_error;
    bool exited = false;  ///< true: exit_code holds the exit status
    int exit_code = -1;
    int signal = 0;          ///< the terminating signal, when not exited
    bool timed_out = false;  ///< the timeout sent TERM (and maybe KILL)
    bool killed = false;     ///< kill_all() stopped it
    double duration = 0;     ///< seconds from start to exit
    std::string output;      ///< stdout and stderr merged, the last output_limit bytes
    bool truncated = false;  ///< earlier output was dropped
};

/// Seconds on the monotonic clock (durations and deadlines).
double monotonic_now();

/// Blocks sigs in the calling thread for the Runner's lifetime and installs a
/// SIGCHLD handler, so children's exits wake Runner::wait() and nothing else.
class SignalGate {
public:
    explicit SignalGate(std::vector<int> sigs);
    ~SignalGate();
    SignalGate(const SignalGate&) = delete;
    SignalGate& operator=(const SignalGate&) = delete;
    /// The mask to wait with: the caller's original one.
    const sigset_t& wait_mask() const { return m_old; }

private:
    sigset_t m_old;
    struct sigaction m_old_chld;
};

/// Runs many commands at once; single-threaded, driven by wait().
class Runner {
public:
    /// output_limit: bytes of output kept per command; kill_after: seconds
    /// between TERM and KILL on timeout or kill_all().
    Runner(const SignalGate& gate, std::size_t output_limit, double kill_after);
    ~Runner();
    Runner(const Runner&) = delete;
    Runner& operator=(const Runner&) = delete;

    /// Starts a command. A failed spawn is reported through take_finished().
    void start(const SpawnRequest& request);

    /// How many commands are running.
    std::size_t running() const { return m_procs.size(); }

    /// Waits up to timeout_ms (< 0: no limit) for a command to end, output to
    /// arrive, a signal, or extra_fd (>= 0) to become readable; returns true
    /// when extra_fd is readable.
    bool wait(int timeout_ms, int extra_fd = -1);

    /// Commands that ended since the last call, in the order they ended.
    std::vector<Finished> take_finished();

    /// Sends TERM to every running command's process group now and KILL
    /// kill_after seconds later (or now, when now_kill).
    void kill_all(bool now_kill);

private:
    struct Proc {
        uint64_t tag = 0;
        pid_t pid = -1;
        int out_fd = -1;
        int in_fd = -1;
        std::string input;
        std::size_t input_off = 0;
        double start = 0;
        double deadline = 0;       // timeout: send TERM at this time (0: none)
        double kill_deadline = 0;  // send KILL at this time (0: none)
        bool timed_out = false;
        bool killed = false;
        std::string output;
        bool truncated = false;
    };
    void read_output(Proc& p);
    void write_input(Proc& p);
    void reap();
    void check_deadlines(double now);
    void append_output(Proc& p, const char* data, std::size_t n);

    const SignalGate& m_gate;
    std::size_t m_output_limit;
    double m_kill_after;
    std::map<pid_t, Proc> m_procs;
    std::vector<Finished> m_finished;
};

}  // namespace ev::batch
