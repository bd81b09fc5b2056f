// Router: evroute's engine, shared by the files that implement it
// (router.cpp: the event loop; configure.cpp: rules and destinations;
// stats.cpp: counters). Internal to lib/route.
#pragma once

#include <poll.h>
#include <simdjson.h>

#include <deque>
#include <limits>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "core/child_set.h"
#include "core/diag.h"
#include "core/id.h"
#include "core/input.h"
#include "core/json.h"
#include "core/self_status.h"
#include "core/sink.h"
#include "core/stats.h"
#include "route/delivery.h"
#include "route/destination.h"
#include "route/router.h"
#include "route/rule.h"

namespace ev::route {

/// Reads events, matches rules, feeds destinations; one per evroute process.
class Router {
public:
    Router(const Options& options, Input& input, Sink& out, Diagnostics& diag);

    int run();

private:
    // A rule with its destinations resolved.
    struct Active {
        Rule rule;
        std::vector<Destination*> dests;
        uint64_t matched = 0;
    };
    // A destination an event goes to, under the policy of the rule that sent it there.
    struct Target {
        Destination* dest;
        Policy policy;
    };

    Result<void> configure();
    Result<std::vector<Rule>> load_rules() const;
    /// An error when one label names two different destinations.
    Result<void> check_labels(const std::vector<Rule>& rules) const;
    /// --check: every consumer and callback command that cannot be found or
    /// run, as "ORIGIN: rule 'NAME': LABEL: cannot run CMD: why".
    std::vector<std::string> check_commands(const std::vector<Rule>& rules) const;
    Result<void> install(std::vector<Rule> rules);
    bool read_some();
    void route(std::string_view line, simdjson::dom::element root, const Position* position);
    bool deliver();
    void give_up_pending();
    void wait(int timeout_ms, bool with_input);
    void collect();
    void service_all();
    void flush_all();
    void acknowledge();
    void reload();
    void print_stats();
    void emit_stats();
    void reload_failed(const std::string& reason);
    void write_self(std::string_view line);
    void report(const Json& event);
    void drain();
    void route_final_stats();
    void tick();
    bool pending_to(const Destination* dest) const;

    const Options& m_options;
    Input& m_input;
    Sink& m_out;
    Diagnostics& m_diag;
    // Declared before the destinations, which use them until they are gone.
    ChildSet m_children;
    Delivery m_delivery;
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
    Stats m_stats{"evroute"};
    ReloadStatus m_reload_status{"evroute"};
    double m_last_flush = 0;
    bool m_input_ended = false;

    // The event being delivered: its line, where it goes, how far it got. While
    // a full destination under the block policy holds it back (m_holding),
    // input is not read, so the line's bytes stay where Input put them.
    Record m_record;
    std::vector<Target> m_targets;
    std::size_t m_next_target = 0;
    std::string_view m_line;
    uint64_t m_number = 0;
    bool m_holding = false;
    std::deque<std::string> m_synthetic;  // counter events waiting to be routed
    std::string m_synthetic_line;         // the one being routed
    simdjson::dom::parser m_stats_parser;

    std::vector<pollfd> m_fds;
    std::vector<Position> m_advanced;
};

}  // namespace ev::route
