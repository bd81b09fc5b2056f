#include "nagios/runner.h"

#include <poll.h>

#include "core/signals.h"
#include "core/spawn.h"

namespace ev::nagios {

std::vector<std::string> plugin_search_dirs(const RunnerOptions& options) {
    const char* path = nullptr;
    for (const std::string& e : options.env) {
        if (e.rfind("PATH=", 0) == 0) {
            path = e.c_str() + 5;
        }
    }
    std::vector<std::string> dirs = search_dirs(path);
    if (!options.plugin_dir.empty()) {
        dirs.insert(dirs.begin(), options.plugin_dir);
    }
    return dirs;
}

Runner::Runner(RunnerOptions options, const Clock& clock)
    : m_options(std::move(options)), m_clock(clock), m_search_dirs(plugin_search_dirs(m_options)) {}

Runner::~Runner() {
    shutdown(0.5);
}

uint64_t Runner::start(const Command& command) {
    uint64_t token = m_next_token++;
    double wall = m_clock.now();
    if (command.argv.empty()) {
        Finished f;
        f.token = token;
        f.record.end.kind = RunEnd::Kind::spawn_failed;
        f.record.end.exit_code = 127;
        f.record.err = "evsrc-nagios: empty command";
        f.record.time = wall;
        m_failed.push_back(std::move(f));
        m_runs.emplace(token, Run{wall, command.timeout});
        return token;
    }
    ChildSpec spec;
    spec.spawn.argv = command.argv;
    spec.spawn.inherit_env = false;
    spec.spawn.env = m_options.env;
    spec.spawn.search_dirs = m_search_dirs;
    spec.spawn.stdin_mode = StdinMode::null;
    spec.spawn.stdout_mode = OutputMode::capture;
    spec.spawn.stderr_mode = OutputMode::capture;
    spec.tag = token;
    spec.stdout_cap = command.max_output;
    spec.stderr_cap = command.max_output;
    spec.keep = Keep::head;
    spec.timeout = command.timeout;
    spec.kill_grace = m_options.kill_grace;
    spec.eof_grace = m_options.exit_grace;
    spec.leftovers = Leftovers::kill_if_output_open;
    spec.report_at_timeout = true;
    m_runs.emplace(token, Run{wall, command.timeout});
    m_children.start(std::move(spec));
    return token;
}

void Runner::collect(std::vector<Finished>& done) {
    for (Finished& f : m_failed) {
        m_runs.erase(f.token);
        done.push_back(std::move(f));
    }
    m_failed.clear();
    for (ChildResult& result : m_children.take_finished()) {
        auto it = m_runs.find(result.tag);
        if (it == m_runs.end()) {
            continue;  // dropped by shutdown()
        }
        Finished f;
        f.token = result.tag;
        RunRecord& r = f.record;
        r.time = it->second.time;
        r.duration = result.duration;
        r.out = std::move(result.out);
        r.err = std::move(result.err);
        r.truncated = result.out_truncated || result.err_truncated;
        switch (result.ending) {
            case Ending::exited:
                r.end.kind = RunEnd::Kind::exited;
                r.end.exit_code = result.exit_code;
                break;
            case Ending::signaled:
                r.end.kind = RunEnd::Kind::signaled;
                r.end.signal = result.signal;
                break;
            case Ending::failed_to_start:
                r.end.kind = RunEnd::Kind::spawn_failed;
                r.end.exit_code = result.exit_code;
                r.err = "evsrc-nagios: " + result.error;
                break;
            case Ending::abandoned:
                r.end.kind = RunEnd::Kind::timed_out;
                r.end.timeout = it->second.timeout;
                break;
            case Ending::unknown:
                r.end.kind = RunEnd::Kind::signaled;
                r.end.signal = 0;
                break;
        }
        if (result.timed_out && result.ending != Ending::failed_to_start) {
            r.end.kind = RunEnd::Kind::timed_out;
            r.end.timeout = it->second.timeout;
        }
        m_runs.erase(it);
        done.push_back(std::move(f));
    }
}

void Runner::poll(int timeout_ms, std::vector<Finished>& done) {
    if (!m_failed.empty()) {
        timeout_ms = 0;
    }
    std::vector<pollfd> fds;
    m_children.add_poll_fds(fds);
    int ready = signals::poll(fds.data(), fds.size(), m_children.poll_timeout_ms(timeout_ms));
    if (ready > 0) {
        m_children.service(fds);
    } else {
        m_children.service(std::vector<pollfd>{});
    }
    collect(done);
}

void Runner::shutdown(double grace) {
    m_runs.clear();
    m_failed.clear();
    m_children.shutdown(grace);
    (void)m_children.take_finished();
}

}  // namespace ev::nagios
