// Runner: starts plugins from an argv and collects them without ever
// blocking on one, on top of the core child set (core/child_set.h): own
// process group, minimal environment, output cap, timeout (SIGTERM then
// SIGKILL to the group), no zombies, no fd leaks.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <unordered_map>
#include <vector>

#include "core/child_set.h"
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
    /// Where a bare plugin name (no '/') is looked up before the PATH of env,
    /// as Nagios finds plugins in its plugin directory; empty: PATH only.
    std::string plugin_dir;
};

/// Where a bare plugin name is looked up, in order: the plugin directory,
/// then the PATH of the plugins' environment (for find_executable).
std::vector<std::string> plugin_search_dirs(const RunnerOptions& options);

/// Runs many plugins at once; everything happens in poll().
class Runner {
public:
    explicit Runner(RunnerOptions options = {}, const Clock& clock = wall_clock());
    /// Ends what still runs (shutdown(0.5)).
    ~Runner();
    Runner(const Runner&) = delete;
    Runner& operator=(const Runner&) = delete;

    /// Starts a run and returns its token. A plugin that cannot be started
    /// (missing: exit 127, not executable: 126) finishes at the next poll()
    /// with RunEnd::Kind::spawn_failed.
    uint64_t start(const Command& command);

    /// Waits at most timeout_ms (less when a deadline comes sooner; through
    /// signals::poll, so a signal ends the wait) for output, exits and
    /// deadlines, and appends the runs that finished.
    void poll(int timeout_ms, std::vector<Finished>& done);

    /// Runs started and not yet handed out.
    std::size_t active() const { return m_runs.size(); }

    /// Timed-out process groups not yet reaped.
    std::size_t lingering() const { return m_children.lingering(); }

    /// Sends SIGTERM to every group, waits up to grace seconds, then SIGKILL;
    /// reaps them all. Runs still active are dropped without a result.
    void shutdown(double grace);

private:
    struct Run {
        double time = 0;     // wall seconds at the start
        double timeout = 0;  // Command::timeout
    };
    void collect(std::vector<Finished>& done);

    RunnerOptions m_options;
    const Clock& m_clock;
    std::vector<std::string> m_search_dirs;  // plugin_search_dirs(m_options)
    ChildSet m_children;
    std::unordered_map<uint64_t, Run> m_runs;  // by token
    std::vector<Finished> m_failed;            // empty argv, handed out at the next poll()
    uint64_t m_next_token = 1;
};

}  // namespace ev::nagios
