// Router: evroute's engine, shared by the files that implement it
// (router.cpp: the event loop; configure.cpp: rules and destinations;
// stats.cpp: counters). Internal to lib/route.
#pragma once

#include <simdjson.h>

#include <limits>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "core/diag.h"
#include "core/id.h"
#include "core/json.h"
#include "route/destination.h"
#include "route/router.h"
#include "route/rule.h"

namespace ev::route {

/// Reads events, matches rules, feeds destinations; one per evroute process.
class Router {
public:
    Router(const Options& options, Diagnostics& diag) : m_options(options), m_diag(diag), m_ids(wall_clock()) {
        m_ctx.diag = &diag;
    }

    int run();

private:
    // A rule with its destinations resolved.
    struct Active {
        Rule rule;
        std::vector<Destination*> dests;
        uint64_t matched = 0;
    };

    Result<void> configure();
    Result<std::vector<Rule>> load_rules() const;
    Result<void> install(std::vector<Rule> rules);
    void route(std::string_view line, simdjson::dom::element root);
    void deliver(Destination& dest, std::string_view line, Policy policy);
    void pump(int timeout_ms, bool with_input);
    void service_all();
    void flush_all();
    void reload();
    void print_stats();
    void emit_stats();
    void report(const Json& event);
    void drain();
    void tick();

    const Options& m_options;
    Diagnostics& m_diag;
    Context m_ctx;
    IdGenerator m_ids;
    std::vector<Active> m_rules;
    std::vector<std::unique_ptr<Destination>> m_dests;
    std::set<Destination*> m_retiring;
    std::optional<DestSpec> m_unmatched_spec;
    std::optional<DestSpec> m_results_spec;
    Destination* m_unmatched = nullptr;
    Destination* m_results = nullptr;
    uint64_t m_unmatched_count = 0;
    uint64_t m_event = 0;
    double m_drain_timeout = 10;
    double m_stats_interval = 0;
    double m_next_stats = std::numeric_limits<double>::infinity();
    bool m_poll_stdin = true;
    simdjson::dom::parser m_stats_parser;
};

}  // namespace ev::route
