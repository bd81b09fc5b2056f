// Runner: starts plugins from an argv and collects them without ever
// blocking on one: own process group, minimal environment, output cap,
// timeout (SIGTERM then SIGKILL to the group), no zombies, no fd leaks.
#pragma once

#include <signal.h>
#include <sys/types.h>

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "core/clock.h"
#include "nagios/event.h"

namespace ev::nagios {

/// One plugin run to start.
struct Command {
    std::vector<std::string> argv;  ///< argv[0] is a path or a name looked up in PATH
    double timeout = 60;            ///< seconds before SIGTERM to the group
    std::size_t max_output = 8192;  ///< bytes kept of stdout and of stderr each
};

/// A finished run, handed out by Runner::poll.
struct Finished {
    uint64_t token = 0;  ///< what start() returned
    RunRecord record;
};

/// How the Runner treats its children.
struct RunnerOptions {
    std::vector<std::string> env = {"PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
                                    "LC_ALL=C"};  ///< the plugins' whole environment
    double kill_grace = 2;                        ///< seconds from SIGTERM to SIGKILL after a timeout
    double exit_grace = 0.1;                      ///< seconds to keep reading after the direct child exited
};

/// Runs many plugins at once; everything happens in poll().
class Runner {
public:
    explicit Runner(RunnerOptions options = {}, const Clock& clock = wall_clock());
    ~Runner();
    Runner(const Runner&) = delete;
    Runner& operator=(const Runner&) = delete;

    /// Starts a run and returns its token. A plugin that cannot be started
    /// (missing: exit 127, not executable: 126) finishes at the next poll().
    uint64_t start(const Command& command);

    /// Waits at most timeout_ms (less when a deadline comes sooner) for
    /// output, exits and deadlines, and appends the runs that finished.
    void poll(int timeout_ms, std::vector<Finished>& done);

    /// Runs started and not yet handed out.
    std::size_t active() const { return m_runs.size() + m_failed.size(); }

    /// Timed-out process groups not yet reaped.
    std::size_t lingering() const { return m_lingering.size(); }

    /// Sends SIGTERM to every group, waits up to grace seconds, then SIGKILL;
    /// reaps them all. Runs still active are dropped without a result.
    void shutdown(double grace);

private:
    struct Run;
    struct Linger {
        pid_t pid;
        int pidfd;
        double kill_at;  // steady seconds
        bool killed;
    };
    void finish(std::size_t index, std::vector<Finished>& done);
    void linger(pid_t pid, int pidfd, double now);
    void reap_lingering(double now);

    RunnerOptions m_options;
    const Clock& m_clock;
    std::vector<char*> m_envp;
    sigset_t m_ignored;  // signals ignored here, reset to default in plugins
    int m_devnull = -1;  // the plugins' stdin
    std::vector<Run*> m_runs;
    std::vector<Finished> m_failed;
    std::vector<Linger> m_lingering;
    uint64_t m_next_token = 1;
};

/// Seconds on the monotonic clock (for deadlines and measured durations).
double steady_now();

}  // namespace ev::nagios
