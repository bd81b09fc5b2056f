// Router: the event loop. One wait (signals::poll) over the input's
// descriptor, the destinations' pipes, the processes' descriptors and the
// timers; input is read without blocking, in batches, and only while no
// destination under the block policy holds it back.
#include "route/router.h"

#include <algorithm>
#include <cerrno>
#include <climits>
#include <cmath>

#include <fmt/format.h>

#include "core/clock.h"
#include "core/exit_code.h"
#include "core/id.h"
#include "core/notify.h"
#include "core/signals.h"
#include "route/engine.h"

namespace ev::route {

namespace {
// Events routed between two looks at the destinations and the signals.
constexpr int k_batch = 1024;
// Under input that never pauses, buffered output is flushed (and input
// acknowledged) at least this often.
constexpr double k_flush_every = 1;
// A source without a descriptor is asked this often when it had nothing.
constexpr int k_no_fd_poll_ms = 50;
// While draining, how often to look whether consumers have read their pipes.
constexpr int k_drain_tick_ms = 50;
// How long processes still running when evroute gives up get between SIGTERM and SIGKILL.
constexpr double k_stop_grace = 1;

std::string report_id(const Json& report) {
    // A report is derived from the event it is about (data.event, its id in
    // cause): its id comes from that event, never the clock, so a replay
    // that fails the same way reports under the same id.
    Derivation d;
    d.tool = "evroute";
    std::string what;
    std::string line;
    const Json* data = report.find("data");
    const Json* original = data != nullptr ? data->find("event") : nullptr;
    if (const Json* cause = report.find("cause"); cause != nullptr && cause->is_string()) {
        d.cause_id = cause->as_string();
    } else if (original != nullptr) {
        write_canonical(*original, line);
        d.cause_line = line;
    }
    if (original != nullptr) {
        if (const Json* time = original->find("time"); time != nullptr && time->is_number()) {
            d.time = time->as_number();
        }
    }
    if (const Json* name = report.find("name"); name != nullptr && name->is_string()) {
        what = name->as_string();
    }
    if (const Json* dest = data != nullptr ? data->find("destination") : nullptr;
        dest != nullptr && dest->is_string()) {
        what += ' ';
        what += dest->as_string();
    }
    d.what = what;
    return derived_id(d);
}

}  // namespace

Router::Router(const Options& options, Input& input, Sink& out, Diagnostics& diag)
    : m_options(options), m_input(input), m_out(out), m_diag(diag), m_ids(wall_clock()) {
    m_ctx.diag = &diag;
    m_ctx.children = &m_children;
    m_ctx.delivery = &m_delivery;
    m_ctx.out = &out;
    m_ctx.out_poll_fd = options.out_poll_fd;
}

void Router::report(const Json& event) {
    if (m_results == nullptr) {
        return;
    }
    Json full = event;
    full.set("id", report_id(event));
    full.set("time", wall_clock().now());
    std::string line;
    write_canonical(full, line);
    if (!m_results->offer(line, m_delivery.begin(nullptr))) {
        ++m_results->counters.dropped;
    }
}

bool Router::deliver() {
    for (; m_next_target < m_targets.size(); ++m_next_target) {
        const Target& target = m_targets[m_next_target];
        if (target.dest->offer(m_line, m_number)) {
            continue;
        }
        switch (target.policy) {
            case Policy::drop:
                ++target.dest->counters.dropped;
                continue;
            case Policy::spill:
                target.dest->spill(m_line, m_number);
                continue;
            case Policy::block:
                break;
        }
        // Back-pressure: input waits until this destination has room; the
        // others go on being written meanwhile.
        return false;
    }
    return true;
}

void Router::give_up_pending() {
    for (; m_next_target < m_targets.size(); ++m_next_target) {
        const Target& target = m_targets[m_next_target];
        if (target.dest->offer(m_line, m_number)) {
            continue;
        }
        if (target.policy == Policy::spill) {
            target.dest->spill(m_line, m_number);
        } else if (target.policy == Policy::drop) {
            ++target.dest->counters.dropped;
        } else {
            ++target.dest->counters.lost;
            m_delivery.lost(m_number);
        }
    }
    m_holding = false;
}

void Router::route(std::string_view line, simdjson::dom::element root, const Position* position) {
    ++m_event;
    m_targets.clear();
    bool matched = false;
    for (Active& active : m_rules) {
        if (active.rule.program && !active.rule.program->test(root)) {
            continue;
        }
        ++active.matched;
        matched = true;
        for (Destination* dest : active.dests) {
            if (dest->mark != m_event) {
                dest->mark = m_event;
                m_targets.push_back(Target{dest, active.rule.policy});
            }
        }
        if (!active.rule.keep_going) {
            break;
        }
    }
    if (!matched) {
        ++m_unmatched_count;
        if (m_unmatched != nullptr && m_unmatched->mark != m_event) {
            m_unmatched->mark = m_event;
            m_targets.push_back(Target{m_unmatched, Policy::block});
        }
    }
    m_line = line;
    m_next_target = 0;
    m_number = m_delivery.begin(position);
    m_holding = !deliver();
}

bool Router::read_some() {
    for (int i = 0; i < k_batch; ++i) {
        if (!m_synthetic.empty()) {
            m_synthetic_line = std::move(m_synthetic.front());
            m_synthetic.pop_front();
            simdjson::dom::element root;
            if (m_stats_parser.parse(m_synthetic_line).get(root) == simdjson::SUCCESS) {
                route(m_synthetic_line, root, nullptr);
            }
        } else {
            // Never blocks: waiting is the loop's, over every descriptor at once.
            Input::Next next = m_input.next(m_record, 0);
            if (next == Input::Next::end) {
                m_input_ended = true;
                return false;
            }
            if (next == Input::Next::timeout) {
                return false;
            }
            route(m_record.line, m_record.root, &m_record.position);
        }
        if (m_holding) {
            return false;
        }
    }
    return true;
}

void Router::collect() {
    for (ChildResult& result : m_children.take_finished()) {
        if (auto owner = m_ctx.owners.find(result.tag); owner != m_ctx.owners.end()) {
            owner->second->on_child(result);
        }
    }
}

bool Router::pending_to(const Destination* dest) const {
    if (!m_holding) {
        return false;
    }
    for (std::size_t i = m_next_target; i < m_targets.size(); ++i) {
        if (m_targets[i].dest == dest) {
            return true;
        }
    }
    return false;
}

void Router::service_all() {
    double now = steady_now();
    for (auto& dest : m_dests) {
        dest->service(now);
    }
    if (m_retiring.empty()) {
        return;
    }
    for (auto it = m_dests.begin(); it != m_dests.end();) {
        Destination* dest = it->get();
        bool feeds_it = std::any_of(m_dests.begin(), m_dests.end(), [&](const auto& other) {
            return other.get() != dest && other->output_target() == dest;
        });
        if (m_retiring.count(dest) != 0 && dest->drained() && !pending_to(dest) && !feeds_it) {
            dest->flush();
            dest->close_input();
            if (dest->finished()) {
                m_retiring.erase(dest);
                it = m_dests.erase(it);
                continue;
            }
        }
        ++it;
    }
}

void Router::flush_all() {
    for (auto& dest : m_dests) {
        dest->flush();
    }
    m_last_flush = steady_now();
}

void Router::acknowledge() {
    // Every destination writes its events in order: the oldest one held
    // anywhere bounds what is written everywhere.
    uint64_t held = m_holding ? m_number : m_delivery.next();
    for (auto& dest : m_dests) {
        held = std::min(held, dest->oldest_held());
    }
    m_advanced.clear();
    m_delivery.advance(held, m_advanced);
    for (const Position& position : m_advanced) {
        m_input.acknowledge(position);
    }
}

void Router::wait(int timeout_ms, bool with_input) {
    m_fds.clear();
    if (with_input) {
        int fd = m_input.poll_fd();
        if (fd >= 0) {
            m_fds.push_back(pollfd{fd, POLLIN, 0});
        } else if (timeout_ms < 0 || timeout_ms > k_no_fd_poll_ms) {
            timeout_ms = k_no_fd_poll_ms;
        }
    }
    if (m_out.poll_fd() >= 0) {
        m_fds.push_back(pollfd{m_out.poll_fd(), POLLIN, 0});
    }
    double next = m_children.next_deadline();
    for (auto& dest : m_dests) {
        dest->want(m_fds);
        next = std::min(next, dest->deadline());
    }
    m_children.add_poll_fds(m_fds);
    if (std::isfinite(next)) {
        double ms = std::ceil(std::max(0.0, next - steady_now()) * 1000);
        int until = ms >= static_cast<double>(INT_MAX) ? INT_MAX : static_cast<int>(ms);
        timeout_ms = timeout_ms < 0 ? until : std::min(timeout_ms, until);
    }
    timeout_ms = m_stats.wait_ms(timeout_ms);
    // A signal ends the wait at once (signals::poll takes it into the flags).
    if (signals::poll(m_fds.data(), m_fds.size(), timeout_ms) < 0 && errno != EINTR) {
        m_fds.clear();
    }
    m_children.service(m_fds);
    collect();
    if (m_out.poll_fd() >= 0) {
        m_out.service();
    }
    service_all();
    acknowledge();
}

void Router::tick() {
    if (signals::take_reload()) {
        reload();
    }
    if (signals::take_stats()) {
        print_stats();
    }
    if (m_stats.due()) {
        emit_stats();
        write_self(m_reload_status.repeat());
    }
}

void Router::drain() {
    // A second stop signal (a third Ctrl-C when the first one let a pipe drain) stops waiting.
    int stops_allowed = signals::stop_count() + (signals::stop_requested() ? 1 : 2);
    m_synthetic.clear();
    double deadline = steady_now() + m_drain_timeout;
    auto in_time = [&] { return steady_now() < deadline && signals::stop_count() < stops_allowed; };
    for (;;) {
        if (m_holding && deliver()) {
            m_holding = false;
        }
        flush_all();
        service_all();
        bool all = !m_holding;
        for (auto& dest : m_dests) {
            all = all && dest->drained();
        }
        if (all || !in_time()) {
            break;
        }
        wait(k_drain_tick_ms, false);
    }
    if (m_holding) {
        give_up_pending();
    }
    for (auto& dest : m_dests) {
        dest->close_input();
    }
    for (;;) {
        // Consumers still write their output to other destinations meanwhile.
        flush_all();
        bool all = true;
        for (auto& dest : m_dests) {
            all = dest->finished() && dest->drained() && all;
        }
        if (all || !in_time()) {
            break;
        }
        wait(k_drain_tick_ms, false);
    }
    for (auto& dest : m_dests) {
        if (!dest->drained() || !dest->finished()) {
            dest->abandon();
        }
        dest->flush();
    }
    // What is still running got SIGTERM in abandon(); SIGKILL follows.
    m_children.shutdown(k_stop_grace);
    collect();
    flush_all();
    acknowledge();
}

int Router::run() {
    if (auto configured = configure(); !configured) {
        m_diag.error(configured.error());
        return exit_code::k_usage;
    }
    auto rules = load_rules();
    if (!rules) {
        m_diag.error(rules.error());
        return exit_code::k_usage;
    }
    if (rules->empty()) {
        m_diag.error("no rules: give a rules file or -e RULE");
        return exit_code::k_usage;
    }
    if (m_options.check_only) {
        std::vector<std::string> problems = check_commands(*rules);
        for (const std::string& problem : problems) {
            m_diag.error(problem);
        }
        if (!problems.empty()) {
            return exit_code::k_usage;
        }
        m_out.write_line(fmt::format("{} rule{} OK", rules->size(), rules->size() == 1 ? "" : "s"));
        if (auto flushed = m_out.flush(); !flushed && !m_out.ended()) {
            m_diag.error(flushed.error());
            return exit_code::k_io;
        }
        return exit_code::k_ok;
    }
    if (auto installed = install(std::move(rules).value()); !installed) {
        m_diag.error(installed.error());
        return exit_code::k_io;
    }
    if (auto opened = m_input.open(); !opened) {
        m_diag.error(opened.error());
        return exit_code::k_io;
    }
    notify::ready();
    m_last_flush = steady_now();
    while (!signals::stop_requested()) {
        if (m_holding && deliver()) {
            m_holding = false;
        }
        bool more = !m_holding && read_some();
        if (m_input_ended && !m_holding) {
            break;
        }
        if (!more || steady_now() - m_last_flush >= k_flush_every) {
            // Input is idle or held back: what was routed goes out now, to
            // every destination that can take it.
            flush_all();
        }
        // Wait for input only when it had nothing; never while a
        // destination holds it back.
        wait(more ? 0 : -1, !more && !m_holding);
        tick();
    }
    notify::stopping();
    m_input.finish();
    route_final_stats();
    drain();
    print_stats();
    if (m_input.fatal()) {
        return exit_code::k_bad_input;
    }
    if (m_input.io_failed() || m_ctx.output_failed) {
        return exit_code::k_io;
    }
    return exit_code::k_ok;
}

void Router::route_final_stats() {
    if (!m_stats.enabled()) {
        return;
    }
    // The counters as the input ended, after a flush (the drain may still
    // deliver to consumers; stderr's summary after it has the last figures).
    flush_all();
    emit_stats();
    while (!m_synthetic.empty() && !m_holding) {
        m_synthetic_line = std::move(m_synthetic.front());
        m_synthetic.pop_front();
        simdjson::dom::element root;
        if (m_stats_parser.parse(m_synthetic_line).get(root) == simdjson::SUCCESS) {
            route(m_synthetic_line, root, nullptr);
        }
    }
}

int run(const Options& options, Input& input, Sink& out, Diagnostics& diag) {
    Router router(options, input, out, diag);
    return router.run();
}

}  // namespace ev::route
