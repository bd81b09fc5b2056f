#include "core/stats.h"

#include <fmt/format.h>

#include <climits>
#include <cmath>

#include "core/clock.h"
#include "core/duration.h"
#include "core/id.h"
#include "core/input.h"
#include "core/json.h"
#include "core/notify.h"
#include "core/self_status.h"
#include "core/signals.h"

namespace ev {

void add_stats_options(CLI::App& app, StatsOptions& options) {
    app.add_option_function<std::string>(
           "--stats-interval",
           [&options](const std::string& text) {
               auto parsed = parse_duration(text);
               if (!parsed) {
                   throw CLI::ValidationError("--stats-interval", parsed.error());
               }
               if (*parsed <= 0) {
                   throw CLI::ValidationError("--stats-interval", "must be more than 0");
               }
               options.interval = *parsed;
           },
           "Write the tool's counters as metric events evkit.TOOL.COUNTER every DURATION (and at exit)")
        ->type_name("DURATION");
    if (app.get_option_no_throw("--self-subject") == nullptr) {
        app.add_option_function<std::string>(
               "--self-subject", [](const std::string& name) { set_self_subject(name); },
               "Subject of the tool's own status and metric events (default the host name)")
            ->type_name("NAME");
    }
}

Stats::Stats(std::string tool) : m_tool(std::move(tool)) {}

void Stats::add(std::string name, const uint64_t& counter) {
    m_entries.push_back(Entry{std::move(name), &counter, {}});
}

void Stats::add(std::string name, std::function<uint64_t()> read) {
    m_entries.push_back(Entry{std::move(name), nullptr, std::move(read)});
}

void Stats::clear() {
    m_entries.clear();
}

void Stats::start(double interval) {
    m_interval = interval;
    if (interval > 0) {
        m_next = steady_now() + interval;
        signals::tick_every(interval);
    }
}

bool Stats::due() {
    if (!signals::take_tick()) {
        return false;
    }
    double now = steady_now();
    notify::watchdog(now);
    // The tick and m_next start a moment apart; a tick a hair early counts.
    if (m_interval <= 0 || now < m_next - 0.01) {
        return false;
    }
    m_next += m_interval;
    if (m_next <= now) {
        m_next = now + m_interval;
    }
    notify::status(summary());
    return true;
}

int Stats::wait_ms(int timeout_ms) const {
    double tick = signals::tick_interval();
    if (tick <= 0) {
        return timeout_ms;
    }
    double ms = std::ceil(tick * 1000);
    int cap = ms >= static_cast<double>(INT_MAX) ? INT_MAX : static_cast<int>(ms);
    return timeout_ms < 0 ? cap : std::min(timeout_ms, cap);
}

std::vector<std::pair<std::string, uint64_t>> Stats::values() const {
    std::vector<std::pair<std::string, uint64_t>> out;
    out.reserve(m_entries.size());
    for (const Entry& e : m_entries) {
        out.emplace_back(fmt::format("evkit.{}.{}", m_tool, e.name), e.counter != nullptr ? *e.counter : e.read());
    }
    return out;
}

std::vector<std::string> Stats::metric_lines() const {
    std::vector<std::string> lines;
    IdGenerator ids;
    double time = wall_clock().now();
    const std::string& subject = self_subject();
    for (const auto& [name, value] : values()) {
        Json event = Json::object();
        event.set("id", ids.next());
        event.set("time", time);
        event.set("type", "metric");
        event.set("subject", subject);
        event.set("name", name);
        event.set("metric", value);
        event.set("unit", "c");
        event.set("source", m_tool);
        lines.push_back(to_canonical(event));
    }
    return lines;
}

void Stats::emit(const std::function<void(std::string_view)>& write_main) const {
    for (const std::string& line : metric_lines()) {
        if (!write_routed_self_status(line)) {
            write_main(line);
        }
    }
}

std::string Stats::summary() const {
    std::string out;
    for (const Entry& e : m_entries) {
        if (!out.empty()) {
            out += ", ";
        }
        out += fmt::format("{} {}", e.name, e.counter != nullptr ? *e.counter : e.read());
    }
    return out;
}

void add_input_counters(Stats& stats, Input& input) {
    stats.add("in", [&input] { return input.records(); });
    stats.add("rejected", [&input] { return input.rejected(); });
    if (input.reports_lag()) {
        stats.add("lag", [&input] { return input.lag(); });
    }
}

std::string metric_word(std::string_view text) {
    std::string out;
    for (char c : text) {
        bool safe = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '_';
        out += safe ? c : '_';
    }
    return out;
}

}  // namespace ev
