#include "route/router.h"

#include <poll.h>
#include <sys/stat.h>

#include <cerrno>
#include <cmath>
#include <cstdlib>
#include <fstream>
#include <map>
#include <memory>
#include <set>
#include <sstream>

#include <fmt/format.h>

#include "core/duration.h"
#include "core/exit_code.h"
#include "core/id.h"
#include "core/json.h"
#include "core/signals.h"
#include "route/destination.h"
#include "route/engine.h"
#include "route/rule.h"

namespace ev::route {

Result<std::size_t> parse_size(std::string_view text) {
    std::size_t value = 0;
    std::size_t i = 0;
    while (i < text.size() && text[i] >= '0' && text[i] <= '9') {
        if (value > (std::size_t{1} << 50)) {
            return make_error(fmt::format("size '{}' is too large", text));
        }
        value = value * 10 + static_cast<std::size_t>(text[i] - '0');
        ++i;
    }
    if (i == 0) {
        return make_error(fmt::format("expected a size like 65536, 64K or 1M, got '{}'", text));
    }
    std::string_view unit = text.substr(i);
    if (unit == "K" || unit == "k") {
        value <<= 10;
    } else if (unit == "M") {
        value <<= 20;
    } else if (unit == "G") {
        value <<= 30;
    } else if (!unit.empty()) {
        return make_error(fmt::format("expected a size like 65536, 64K or 1M, got '{}'", text));
    }
    if (value == 0) {
        return make_error("a size must be at least 1 byte");
    }
    return value;
}

void Router::report(const Json& event) {
    if (m_results == nullptr) {
        return;
    }
    Json full = event;
    full.set("id", m_ids.next());
    full.set("time", wall_clock().now());
    std::string line;
    write_canonical(full, line);
    if (!m_results->offer(line)) {
        ++m_results->counters.dropped;
    }
}

void Router::deliver(Destination& dest, std::string_view line, Policy policy) {
    if (dest.offer(line)) {
        return;
    }
    switch (policy) {
        case Policy::drop:
            ++dest.counters.dropped;
            return;
        case Policy::spill:
            dest.spill(line);
            return;
        case Policy::block:
            break;
    }
    // Back-pressure: input waits until this destination has room.
    while (!dest.offer(line)) {
        if (signals::stop_requested()) {
            ++dest.counters.lost;
            return;
        }
        pump(100, false);
    }
}

void Router::route(std::string_view line, simdjson::dom::element root) {
    ++m_event;
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
                deliver(*dest, line, active.rule.policy);
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
            deliver(*m_unmatched, line, Policy::block);
        }
    }
}

void Router::service_all() {
    double now = monotonic_now();
    for (auto& dest : m_dests) {
        dest->service(now);
    }
    if (m_retiring.empty()) {
        return;
    }
    for (auto it = m_dests.begin(); it != m_dests.end();) {
        Destination* dest = it->get();
        if (m_retiring.count(dest) != 0 && dest->drained()) {
            dest->flush();
            dest->close_input();
            if (dest->finished(now)) {
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
}

void Router::pump(int timeout_ms, bool with_input) {
    if (signals::take_stats()) {
        print_stats();
    }
    std::vector<pollfd> fds;
    if (with_input && m_poll_stdin) {
        fds.push_back(pollfd{0, POLLIN, 0});
    }
    if (with_input && !m_poll_stdin) {
        timeout_ms = std::min(timeout_ms, 10);
    }
    double next = m_next_stats;
    for (auto& dest : m_dests) {
        dest->want(fds);
        next = std::min(next, dest->deadline());
    }
    double now = monotonic_now();
    if (std::isfinite(next)) {
        double wait = std::max(0.0, std::ceil((next - now) * 1000));
        timeout_ms = static_cast<int>(std::min<double>(timeout_ms, wait));
    }
    (void)signals::poll(fds.data(), fds.size(), timeout_ms);
    service_all();
}

void Router::tick() {
    if (signals::take_reload()) {
        reload();
    }
    if (signals::take_stats()) {
        print_stats();
    }
    if (monotonic_now() >= m_next_stats) {
        m_next_stats = monotonic_now() + m_stats_interval;
        emit_stats();
    }
}

void Router::drain() {
    double deadline = monotonic_now() + m_drain_timeout;
    auto in_time = [&] { return monotonic_now() < deadline && signals::stop_count() < 2; };
    for (;;) {
        flush_all();
        service_all();
        bool all = true;
        for (auto& dest : m_dests) {
            all = all && dest->drained();
        }
        if (all || !in_time()) {
            break;
        }
        pump(100, false);
    }
    for (auto& dest : m_dests) {
        dest->close_input();
    }
    for (;;) {
        bool all = true;
        for (auto& dest : m_dests) {
            all = dest->finished(monotonic_now()) && all;
        }
        if (all || !in_time()) {
            break;
        }
        pump(50, false);
    }
    for (auto& dest : m_dests) {
        if (!dest->drained() || !dest->finished(monotonic_now())) {
            dest->abandon();
        }
        dest->flush();
    }
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
        std::string out = fmt::format("{} rule{} OK\n", rules->size(), rules->size() == 1 ? "" : "s");
        (void)!::write(1, out.data(), out.size());
        return exit_code::k_ok;
    }
    if (auto installed = install(std::move(rules).value()); !installed) {
        m_diag.error(installed.error());
        return exit_code::k_io;
    }
    InputOptions input_options = m_options.input;
    for (const std::string& file : input_options.files) {
        if (file != "-") {
            m_poll_stdin = false;
        }
    }
    Input input(input_options, m_diag);
    if (auto opened = input.open(); !opened) {
        m_diag.error(opened.error());
        return exit_code::k_io;
    }
    input.set_idle([this] {
        flush_all();
        service_all();
    });
    Record record;
    uint64_t count = 0;
    for (;;) {
        if (signals::stop_requested()) {
            break;
        }
        Input::Next next = input.next(record, 0);
        if (next == Input::Next::record) {
            route(record.line, record.root);
            if ((++count & 1023) == 0) {
                service_all();
                tick();
            }
            continue;
        }
        if (next == Input::Next::end) {
            break;
        }
        tick();
        pump(1000, true);
    }
    input.finish();
    drain();
    print_stats();
    if (input.fatal()) {
        return exit_code::k_bad_input;
    }
    if (input.io_failed()) {
        return exit_code::k_io;
    }
    return exit_code::k_ok;
}

int run(const Options& options, Diagnostics& diag) {
    Router router(options, diag);
    return router.run();
}

}  // namespace ev::route
