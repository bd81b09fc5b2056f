// Router: counters on SIGUSR1 and at exit, and as metric events.
#include "route/engine.h"

#include <fmt/format.h>

#include "core/json.h"
#include "route/destination.h"

namespace ev::route {

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
    // Destinations and rules change at a reload: registered afresh each time.
    m_stats.clear();
    add_input_counters(m_stats, m_input);
    for (const Active& active : m_rules) {
        m_stats.add(fmt::format("rule.{}.matched", metric_word(active.rule.name)), active.matched);
    }
    m_stats.add("unmatched", m_unmatched_count);
    for (auto& dest : m_dests) {
        if (m_retiring.count(dest.get()) != 0) {
            continue;
        }
        std::string base = fmt::format("destination.{}", metric_word(dest->label()));
        const Counters& c = dest->counters;
        m_stats.add(base + ".delivered", c.delivered);
        m_stats.add(base + ".dropped", c.dropped);
        m_stats.add(base + ".spilled", c.spilled);
        Destination* d = dest.get();
        m_stats.add(base + ".queued", [d] { return static_cast<uint64_t>(d->queued()); });
        if (dest->spec().kind == DestKind::consumer) {
            m_stats.add(base + ".restarts", c.restarts);
        }
        if (dest->spec().kind == DestKind::callback) {
            m_stats.add(base + ".failures", c.failures);
        }
    }
    // Routed like input events, before the next input line.
    m_stats.emit([this](std::string_view line) { m_synthetic.emplace_back(line); });
}

}  // namespace ev::route
