// Stats: the one counter mechanism of the suite. A tool registers its
// counters by name (it keeps incrementing its own integers, so counting
// costs an event no more than an increment); every --stats-interval, and
// once at exit, the registry becomes metric events named
// evkit.TOOL.COUNTER (docs/design.md, self-status). The interval is kept by
// the signal regime's tick (core/signals.h), so a loop's per-event question
// "is it time?" is a flag read, never a clock read.
#pragma once

#include <CLI/CLI.hpp>

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

namespace ev {

/// --stats-interval (and --self-subject, shared with the self-status).
struct StatsOptions {
    double interval = 0;  ///< seconds between counter events; 0: none
};

/// Adds --stats-interval DURATION (more than 0) and --self-subject NAME to
/// app: the one CLI helper every tool uses for them.
void add_stats_options(CLI::App& app, StatsOptions& options);

/// A tool's counters, and the timer that says when to write them.
class Stats {
public:
    /// Metric names are evkit.TOOL.NAME.
    explicit Stats(std::string tool);

    /// A counter the tool increments itself; read at each emission, so it
    /// must outlive the Stats (or be removed by clear()).
    void add(std::string name, const uint64_t& counter);
    /// A value computed at each emission (queue lengths, lag, sums).
    void add(std::string name, std::function<uint64_t()> read);
    /// Forgets every counter (a tool whose parts changed at a reload
    /// registers them again).
    void clear();

    /// Arms the timer: every interval seconds due() turns true once. 0
    /// leaves it off (counters are then written only at exit, if asked).
    void start(double interval);
    bool enabled() const { return m_interval > 0; }
    double interval() const { return m_interval; }

    /// True once per interval (a flag read per call; the clock is read only
    /// when a tick arrived). Also pings the systemd watchdog when it is due
    /// and sends the counters as STATUS= (core/notify.h).
    bool due();

    /// A wait's timeout capped so the loop sees the next tick: with stats
    /// on, the tick's signal ends a wait anyway; this only keeps waits that
    /// would otherwise be unbounded (-1) finite, as LineReader returns on a
    /// signal only when given a timeout.
    int wait_ms(int timeout_ms) const;

    /// The counters as metric event lines (canonical, no newline), subject
    /// the self-status subject, unit c.
    std::vector<std::string> metric_lines() const;
    /// Writes metric_lines() to the --self-to file when there is one, else
    /// through write_main (the tool's normal output).
    void emit(const std::function<void(std::string_view)>& write_main) const;
    /// "in 5, out 3, ..." for STATUS= and stderr.
    std::string summary() const;
    /// The (full metric name, value) pairs, in registration order.
    std::vector<std::pair<std::string, uint64_t>> values() const;

private:
    struct Entry {
        std::string name;
        const uint64_t* counter = nullptr;
        std::function<uint64_t()> read;
    };
    std::string m_tool;
    std::vector<Entry> m_entries;
    double m_interval = 0;
    double m_next = 0;
};

class Input;
/// Registers the counters of an event input every tool shares: `in`
/// (events read), `rejected` (bad lines), and `lag` when the source knows
/// it (Kafka).
void add_input_counters(Stats& stats, Input& input);

/// Turns any text into a metric name word (letters, digits, '-', '_'; the
/// rest becomes '_'), for labels inside names.
std::string metric_word(std::string_view text);

}  // namespace ev
