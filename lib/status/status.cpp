#include "status/status.h"

#include <cmath>
#include <cstdio>
#include <fstream>
#include <limits>

#include <fmt/format.h>

#include "core/ack.h"
#include "core/clock.h"
#include "core/exit_code.h"
#include "core/input.h"
#include "core/signals.h"
#include "status/alert.h"
#include "status/engine.h"
#include "status/state_file.h"

namespace ev::status {

namespace {

// Peak resident memory of this process in kB (VmHWM), 0 when unknown.
long peak_rss_kb() {
    std::ifstream in("/proc/self/status");
    std::string line;
    while (std::getline(in, line)) {
        if (line.rfind("VmHWM:", 0) == 0) {
            return std::strtol(line.c_str() + 6, nullptr, 10);
        }
    }
    return 0;
}

class Filter {
public:
    Filter(const Options& options, const Settings& settings, Diagnostics& diag, Input& input, Sink& out)
        : m_options(options),
          m_settings(settings),
          m_diag(diag),
          m_engine(settings.config),
          m_input(input),
          m_out(out),
          m_ack(out, input) {
        if (!m_options.state_path.empty()) {
            // Input is acknowledged only once the state reflecting it is saved.
            m_ack.hold_for_state();
        }
    }

    int run();

private:
    double now_for(const StatusEvent& event);
    void expire(double now);
    void emit(const Decision& decision, const StatusEvent* cause);
    int timeout_ms();
    bool save();
    void maybe_save();
    void print_stats(uint64_t records);

    const Options& m_options;
    const Settings& m_settings;
    Diagnostics& m_diag;
    Engine m_engine;
    Input& m_input;
    Sink& m_out;
    SyncAck m_ack;
    std::string m_scratch;
    double m_event_now = -std::numeric_limits<double>::infinity();
    double m_last_save = 0;
    bool m_save_failed = false;
};

double Filter::now_for(const StatusEvent& event) {
    if (m_settings.clock == ClockKind::wall) {
        return wall_clock().now();
    }
    // Event time never runs backwards: a late event is taken at the latest time seen.
    // Before any time is known, a status without one is taken at time 0.
    if (event.time && *event.time > m_event_now) {
        m_event_now = *event.time;
    }
    return std::isfinite(m_event_now) ? m_event_now : 0;
}

void Filter::expire(double now) {
    while (auto decision = m_engine.expire_next(now)) {
        emit(*decision, nullptr);
    }
}

void Filter::emit(const Decision& decision, const StatusEvent* cause) {
    write_alert(decision, cause, m_out.buffer(), m_scratch);
    m_out.end_line();
}

int Filter::timeout_ms() {
    double wait = -1;
    if (m_settings.clock == ClockKind::wall) {
        if (double deadline = m_engine.next_deadline(); deadline > 0) {
            // Wake just after the deadline: expiry needs now > deadline.
            wait = std::max(0.0, deadline - wall_clock().now()) + 0.001;
        }
    }
    if (!m_options.state_path.empty()) {
        double due = std::max(0.0, m_last_save + m_settings.save_interval - steady_now());
        wait = wait < 0 ? due : std::min(wait, due);
    }
    if (wait < 0) {
        return -1;
    }
    return static_cast<int>(std::min(std::ceil(wait * 1000.0), 3600.0 * 1000.0));
}

bool Filter::save() {
    if (m_options.state_path.empty()) {
        return true;
    }
    m_last_save = steady_now();
    double time =
        m_settings.clock == ClockKind::event ? (std::isfinite(m_event_now) ? m_event_now : 0) : wall_clock().now();
    std::string bytes;
    encode_state(m_engine.table(), m_settings.clock, time, bytes);
    auto saved = save_state_file(m_options.state_path, bytes);
    if (!saved) {
        m_diag.error(saved.error());
        m_save_failed = true;
        return false;
    }
    (void)m_ack.release();
    return true;
}

void Filter::maybe_save() {
    if (!m_options.state_path.empty() && steady_now() - m_last_save >= m_settings.save_interval) {
        // Alerts raised before the save go out first, so the saved state
        // never claims more than downstream has seen.
        if (m_ack.flush()) {
            save();
        }
    }
}

void Filter::print_stats(uint64_t records) {
    const IdentityTable& table = m_engine.table();
    const EngineCounters& c = m_engine.counters();
    std::size_t n = table.size();
    m_diag.error(fmt::format("events {}, statuses {}, alerts {} ({} expired, {} held back by flapping), identities {}",
                             records, c.statuses, c.alerts, c.expired, c.held_back, n));
    m_diag.error(
        fmt::format("memory: {} bytes per identity beyond subject and name ({} bytes of strings), "
                    "peak RSS {} kB",
                    n == 0 ? 0 : table.bytes_overhead() / n, table.bytes_strings(), peak_rss_kb()));
}

int Filter::run() {
    if (!m_options.state_path.empty()) {
        auto loaded = load_state_file(m_options.state_path);
        if (!loaded) {
            m_diag.error(loaded.error());
            return exit_code::k_usage;
        }
        if (*loaded) {
            const Snapshot& snapshot = **loaded;
            std::optional<double> base;
            if (m_settings.clock == ClockKind::wall) {
                base = wall_clock().now();
            } else if (snapshot.clock == ClockKind::event) {
                m_event_now = snapshot.time;
            }
            restore(m_engine.table(), snapshot, base);
        }
        m_last_save = steady_now();
    }

    Input& input = m_input;
    if (auto opened = input.open(); !opened) {
        m_diag.error(opened.error());
        return exit_code::k_io;
    }
    input.set_idle([this] { (void)m_ack.flush(); });

    const bool wall = m_settings.clock == ClockKind::wall;
    Record record;
    StatusEvent event;
    std::string reason;
    uint64_t records = 0;
    bool ended = false;
    for (;;) {
        Input::Next next = input.next(record, timeout_ms());
        if (next == Input::Next::end) {
            ended = !signals::stop_requested() && !input.fatal();
            break;
        }
        if (signals::take_stats()) {
            print_stats(records);
        }
        if (next == Input::Next::timeout) {
            if (wall) {
                expire(wall_clock().now());
            }
            maybe_save();
            (void)m_ack.flush();
            continue;
        }
        ++records;
        EventKind kind = read_event(record.fields, event, reason);
        if (kind == EventKind::bad) {
            // A rejected line changes nothing, not even the event clock.
            input.reject(record, reason);
            if (input.fatal()) {
                break;
            }
            continue;
        }
        double now = now_for(event);
        expire(now);
        if (!m_options.alerts_only) {
            m_out.write_line(record.line);
        }
        if (kind == EventKind::status) {
            if (auto decision = m_engine.apply(event, now)) {
                emit(*decision, &event);
            }
        }
        if (m_out.ended() || m_out.failed()) {
            break;
        }
        m_ack.handled(record.position);
        if ((records & 1023) == 0) {
            maybe_save();
        }
    }
    if (ended && !wall && std::isfinite(m_event_now)) {
        expire(m_event_now);
    }
    input.finish();
    (void)m_ack.flush();
    save();
    if (m_options.stats) {
        print_stats(records);
    }
    if (auto code = ending_exit_code(input, m_out, m_diag)) {
        return *code;
    }
    return m_save_failed ? exit_code::k_io : exit_code::k_ok;
}

}  // namespace

int run(const Options& options, Input& input, Sink& out, Diagnostics& diag) {
    auto settings = make_settings(options);
    if (!settings) {
        diag.error(settings.error());
        return exit_code::k_usage;
    }
    Filter filter(options, *settings, diag, input, out);
    return filter.run();
}

}  // namespace ev::status
