// Router: counters on SIGUSR1 and at exit, and as metric events.
#include "route/engine.h"

#include <fmt/format.h>

#include "core/json.h"
#include "route/destination.h"

namespace ev::route {

namespace {

// Metric names carry destination labels; keep them to safe characters.
std::string metric_word(std::string_view text) {
    std::string out;
    for (char c : text) {
        bool safe = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '_';
        out += safe ? c : '_';
    }
    return out;
}

}  // namespace

void Router::print_stats() {
    for (const Active& active : m_rules) {
        m_diag.error(fmt::format("rule {}: matched {}", active.rule.name, active.matched));
    }
    m_diag.error(fmt::format("unmatched: {}", m_unmatched_count));
    for (auto& dest : m_dests) {
        if (m_retiring.count(dest.get()) != 0) {
            continue;
        }
        const Counters& c = dest->counters;
        std::string line = fmt::format("{}: delivered {}, dropped {}, spilled {}, queued {}", dest->label(),
                                       c.delivered, c.dropped, c.spilled, dest->queued());
        if (dest->spec().kind == DestKind::consumer) {
            line += fmt::format(", restarts {}", c.restarts);
        }
        if (dest->spec().kind == DestKind::callback) {
            line += fmt::format(", failures {}", c.failures);
        }
        if (c.lost > 0) {
            line += fmt::format(", lost {}", c.lost);
        }
        m_diag.error(line);
    }
}

void Router::emit_stats() {
    std::vector<std::pair<std::string, uint64_t>> values;
    for (const Active& active : m_rules) {
        values.emplace_back(fmt::format("evroute.rule.{}.matched", metric_word(active.rule.name)), active.matched);
    }
    values.emplace_back("evroute.unmatched", m_unmatched_count);
    for (auto& dest : m_dests) {
        if (m_retiring.count(dest.get()) != 0) {
            continue;
        }
        std::string base = fmt::format("evroute.destination.{}", metric_word(dest->label()));
        const Counters& c = dest->counters;
        values.emplace_back(base + ".delivered", c.delivered);
        values.emplace_back(base + ".dropped", c.dropped);
        values.emplace_back(base + ".spilled", c.spilled);
        values.emplace_back(base + ".queued", dest->queued());
        if (dest->spec().kind == DestKind::consumer) {
            values.emplace_back(base + ".restarts", c.restarts);
        }
        if (dest->spec().kind == DestKind::callback) {
            values.emplace_back(base + ".failures", c.failures);
        }
    }
    double time = wall_clock().now();
    for (const auto& [name, value] : values) {
        Json event = Json::object();
        event.set("id", m_ids.next());
        event.set("time", time);
        event.set("type", "metric");
        event.set("subject", "evroute");
        event.set("name", name);
        event.set("metric", static_cast<uint64_t>(value));
        event.set("unit", "c");
        event.set("source", "evroute");
        // Routed like input events, before the next input line.
        std::string line;
        write_canonical(event, line);
        m_synthetic.push_back(std::move(line));
    }
}

}  // namespace ev::route
