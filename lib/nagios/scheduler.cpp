#include "nagios/scheduler.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <unordered_map>

#include "core/exit_code.h"
#include "core/id.h"
#include "core/notify.h"
#include "core/self_status.h"
#include "core/signals.h"
#include "core/stats.h"
#include "nagios/checklist.h"

namespace ev::nagios {

namespace {

// Counters behind the scheduler's own status event.
struct Stats {
    uint64_t started = 0;
    uint64_t timeouts = 0;
    uint64_t started_total = 0;
    std::vector<double> lateness;  // seconds, since the last heartbeat
};

double percentile(std::vector<double>& values, double p) {
    if (values.empty()) {
        return 0;
    }
    std::sort(values.begin(), values.end());
    std::size_t index = static_cast<std::size_t>(std::ceil(p * static_cast<double>(values.size())));
    index = index == 0 ? 0 : index - 1;
    return values[std::min(index, values.size() - 1)];
}

double round_us(double seconds) {
    return std::round(seconds * 1e6) / 1e6;
}

class Loop {
public:
    Loop(const SchedulerOptions& options, Sink& out, Diagnostics& diag)
        : m_options(options),
          m_diag(diag),
          m_out(out),
          m_runner(RunnerOptions{.kill_grace = options.kill_grace, .plugin_dir = options.plugin_dir}) {}

    int run() {
        auto config = load_checklist(checklist());
        if (!config) {
            m_diag.error(config.error());
            return exit_code::k_usage;
        }
        double start = steady_now();
        m_schedule.load(config->checks, m_options.defaults, start);
        m_next_heartbeat = m_options.heartbeat > 0 ? start : INFINITY;
        double stop_at = m_options.run_for > 0 ? start + m_options.run_for : INFINITY;
        register_stats();
        m_counters.start(m_options.stats_interval);
        notify::ready();
        std::vector<Finished> done;
        while (!signals::stop_requested()) {
            double now = steady_now();
            if (now >= stop_at) {
                break;
            }
            if (signals::take_reload()) {
                reload(now);
            }
            if (m_counters.due()) {
                write_stats();
                write_self(m_reload_status.repeat());
            }
            start_due(now);
            if (now >= m_next_heartbeat) {
                heartbeat(now);
                m_next_heartbeat = now + m_options.heartbeat;
            }
            if (!m_out.flush()) {
                break;  // the reader has gone, or output failed: said below
            }
            double wake = std::min(m_next_heartbeat, stop_at);
            // With every slot taken, due checks wait for a run to end, which
            // poll() reports; waking for them earlier would only spin.
            if (m_runner.active() < m_options.max_concurrent) {
                wake = std::min(wake, m_schedule.next_due());
            }
            int wait_ms = std::isinf(wake) ? 1000 : static_cast<int>(std::ceil(std::max(0.0, wake - now) * 1000));
            wait_ms = std::min(wait_ms, 1000);
            done.clear();
            m_runner.poll(wait_ms, done);
            for (Finished& f : done) {
                collect(f);
            }
        }
        notify::stopping();
        if (m_options.heartbeat > 0) {
            heartbeat(steady_now());
        }
        if (m_counters.enabled()) {
            write_stats();  // the same counters once at exit
        }
        auto flushed = m_out.flush();
        m_runner.shutdown(m_options.kill_grace);
        if (!flushed && m_out.failed()) {
            m_diag.error(m_out.error());
            return exit_code::k_io;
        }
        return exit_code::k_ok;
    }

private:
    ChecklistOptions checklist() const {
        return ChecklistOptions{m_options.config_path, m_options.resource_path, RunnerOptions{}};
    }

    void reload(double now) {
        auto config = load_checklist(checklist());
        if (!config) {
            std::string why = fmt::format("reload failed, keeping the old configuration: {}", config.error());
            m_diag.error(why);
            write_self(m_reload_status.failed(why));
            return;
        }
        m_schedule.load(config->checks, m_options.defaults, now);
        const auto& c = m_schedule.last_changes();
        m_diag.error(fmt::format("reloaded {}: {} kept, {} changed, {} added, {} removed", m_options.config_path,
                                 c.kept, c.changed, c.added, c.removed));
        write_self(m_reload_status.succeeded());
    }

    void register_stats() {
        m_counters.add("started", m_stats.started_total);
        m_counters.add("timeouts", m_stats.timeouts);
        m_counters.add("checks", [this] { return static_cast<uint64_t>(m_schedule.slots().size()); });
        m_counters.add("running", [this] { return static_cast<uint64_t>(m_runner.active()); });
        m_counters.add("lingering", [this] { return static_cast<uint64_t>(m_runner.lingering()); });
    }

    void write_stats() {
        m_counters.emit([this](std::string_view line) { m_out.write_line(line); });
    }

    void write_self(std::string_view line) {
        write_self_status(line, [this](std::string_view l) { m_out.write_line(l); });
    }

    void start_due(double now) {
        if (m_runner.active() >= m_options.max_concurrent) {
            return;
        }
        for (Slot* slot : m_schedule.due(now, m_options.max_concurrent - m_runner.active())) {
            Schedule::started(*slot);
            m_stats.lateness.push_back(now - slot->scheduled);
            ++m_stats.started;
            ++m_stats.started_total;
            uint64_t token = m_runner.start(slot->command);
            m_running.emplace(token, slot->shared_from_this());
        }
    }

    void collect(Finished& f) {
        auto it = m_running.find(f.token);
        if (it == m_running.end()) {
            return;
        }
        std::shared_ptr<Slot> slot = std::move(it->second);
        m_running.erase(it);
        Verdict verdict = judge(f.record.end, f.record.out, f.record.err, slot->timeout_state);
        if (f.record.end.kind == RunEnd::Kind::timed_out) {
            ++m_stats.timeouts;
        }
        if (!verdict.output.perfdata.problems.empty() && !slot->perf_warned) {
            slot->perf_warned = true;
            m_diag.error(fmt::format("check '{}': skipped malformed perfdata: {}", slot->def.name,
                                     verdict.output.perfdata.problems.front()));
        }
        write_run_events(slot->info, verdict, f.record, m_options.metrics, m_ids, m_out);
        Schedule::completed(*slot, verdict.state, steady_now());
    }

    void heartbeat(double now) {
        std::size_t waiting = m_schedule.count_due(now);
        double p50 = percentile(m_stats.lateness, 0.50);
        double p99 = percentile(m_stats.lateness, 0.99);
        double max = m_stats.lateness.empty() ? 0 : m_stats.lateness.back();
        Json event = Json::object();
        event.set("id", m_ids.next());
        event.set("time", wall_clock().now());
        event.set("type", "status");
        // The self-status convention (docs/design.md): subject --self-subject
        // (default the host), name evkit.evsrc-nagios.heartbeat.
        event.set("subject", self_subject());
        event.set("name", "evkit.evsrc-nagios.heartbeat");
        bool late = waiting > 0 && max > 1.0;
        event.set("state", late ? "warning" : "ok");
        event.set("severity", late ? 1 : 0);
        std::string message = fmt::format("{} checks, {} running, {} waiting for a slot, {} started since last report",
                                          m_schedule.slots().size(), m_runner.active(), waiting, m_stats.started);
        event.set("message", late ? "scheduler overloaded: " + message : message);
        if (m_options.heartbeat > 0) {
            event.set("ttl", round_us(3 * m_options.heartbeat));
        }
        event.set("source", "evsrc-nagios");
        Json data = Json::object();
        data.set("checks", static_cast<uint64_t>(m_schedule.slots().size()));
        data.set("running", static_cast<uint64_t>(m_runner.active()));
        data.set("waiting", static_cast<uint64_t>(waiting));
        data.set("lingering", static_cast<uint64_t>(m_runner.lingering()));
        data.set("started", m_stats.started);
        data.set("started_total", m_stats.started_total);
        data.set("timeouts", m_stats.timeouts);
        data.set("lateness_p50", round_us(p50));
        data.set("lateness_p99", round_us(p99));
        data.set("lateness_max", round_us(max));
        event.set("data", std::move(data));
        write_canonical(event, m_out.buffer());
        m_out.end_line();
        m_stats.started = 0;
        m_stats.lateness.clear();
    }

    const SchedulerOptions& m_options;
    Diagnostics& m_diag;
    Sink& m_out;
    Runner m_runner;
    Schedule m_schedule;
    IdGenerator m_ids;
    Stats m_stats;
    ev::Stats m_counters{"evsrc-nagios"};
    ReloadStatus m_reload_status{"evsrc-nagios"};
    std::unordered_map<uint64_t, std::shared_ptr<Slot>> m_running;
    double m_next_heartbeat = INFINITY;
};

}  // namespace

int run_scheduler(const SchedulerOptions& options, Sink& out, Diagnostics& diag) {
    Loop loop(options, out, diag);
    return loop.run();
}

}  // namespace ev::nagios
