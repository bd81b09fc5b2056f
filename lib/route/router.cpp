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

Result<std::vector<Rule>> Router::load_rules() const {
    std::vector<Rule> rules;
    if (!m_options.rules_file.empty()) {
        std::ifstream in(m_options.rules_file, std::ios::binary);
        if (!in) {
            return make_error(fmt::format("cannot read rules file {}: {}", m_options.rules_file, std::strerror(errno)));
        }
        std::stringstream text;
        text << in.rdbuf();
        auto parsed = parse_rules(text.str(), m_options.rules_file);
        if (!parsed) {
            return std::move(parsed).take_error();
        }
        rules = std::move(parsed).value();
    }
    for (std::size_t i = 0; i < m_options.inline_rules.size(); ++i) {
        auto parsed = parse_rules(m_options.inline_rules[i], fmt::format("-e {}", i + 1));
        if (!parsed) {
            return std::move(parsed).take_error();
        }
        for (Rule& rule : *parsed) {
            for (const Rule& other : rules) {
                if (other.name == rule.name) {
                    return make_error(
                        fmt::format("{}: rule '{}' is already defined at {}", rule.origin, rule.name, other.origin));
                }
            }
            rules.push_back(std::move(rule));
        }
    }
    return rules;
}

Result<void> Router::configure() {
    if (m_options.unmatched != "drop") {
        auto spec = parse_destination(m_options.unmatched);
        if (!spec) {
            return make_error(fmt::format("--unmatched {}", spec.error()));
        }
        m_unmatched_spec = *spec;
    }
    if (!m_options.results.empty()) {
        auto spec = parse_destination(m_options.results);
        if (!spec) {
            return make_error(fmt::format("--results {}", spec.error()));
        }
        m_results_spec = *spec;
    }
    auto timeout = parse_duration(m_options.callback_timeout);
    if (!timeout || *timeout <= 0) {
        return make_error(fmt::format("--callback-timeout: {}", timeout ? "must be more than 0" : timeout.error()));
    }
    m_ctx.callback_timeout = *timeout;
    auto drain = parse_duration(m_options.drain_timeout);
    if (!drain) {
        return make_error(fmt::format("--drain-timeout: {}", drain.error()));
    }
    m_drain_timeout = *drain;
    if (!m_options.stats_interval.empty()) {
        auto interval = parse_duration(m_options.stats_interval);
        if (!interval || *interval <= 0) {
            return make_error(fmt::format("--stats-interval: {}", interval ? "must be more than 0" : interval.error()));
        }
        m_stats_interval = *interval;
        m_next_stats = monotonic_now() + m_stats_interval;
    }
    if (m_options.callback_concurrency == 0) {
        return make_error("--callback-concurrency must be at least 1");
    }
    m_ctx.callback_concurrency = m_options.callback_concurrency;
    m_ctx.queue_bytes = m_options.queue_bytes;
    m_ctx.spool_dir = m_options.spool_dir;
    if (m_ctx.spool_dir.empty()) {
        const char* tmp = std::getenv("TMPDIR");
        m_ctx.spool_dir = tmp != nullptr && *tmp != '\0' ? tmp : "/tmp";
    }
    m_ctx.report = [this](const Json& event) { report(event); };
    return {};
}

Result<void> Router::install(std::vector<Rule> rules) {
    std::map<std::string, Destination*> existing;
    for (auto& dest : m_dests) {
        existing.emplace(dest->spec().key(), dest.get());
    }
    std::vector<std::unique_ptr<Destination>> fresh;
    std::set<Destination*> used;
    auto obtain = [&](const DestSpec& spec) -> Result<Destination*> {
        std::string key = spec.key();
        if (auto found = existing.find(key); found != existing.end()) {
            used.insert(found->second);
            return found->second;
        }
        auto dest = make_destination(spec, m_ctx);
        if (auto started = dest->start(); !started) {
            return std::move(started).take_error();
        }
        Destination* raw = dest.get();
        fresh.push_back(std::move(dest));
        existing.emplace(key, raw);
        used.insert(raw);
        return raw;
    };
    std::vector<Active> active;
    for (Rule& rule : rules) {
        Active entry;
        for (const DestSpec& spec : rule.destinations) {
            auto dest = obtain(spec);
            if (!dest) {
                return make_error(fmt::format("{}: rule '{}': {}", rule.origin, rule.name, dest.error()));
            }
            entry.dests.push_back(*dest);
        }
        for (const Active& old : m_rules) {
            if (old.rule.name == rule.name) {
                entry.matched = old.matched;
            }
        }
        entry.rule = std::move(rule);
        active.push_back(std::move(entry));
    }
    Destination* unmatched = nullptr;
    if (m_unmatched_spec) {
        auto dest = obtain(*m_unmatched_spec);
        if (!dest) {
            return make_error(fmt::format("--unmatched: {}", dest.error()));
        }
        unmatched = *dest;
    }
    Destination* results = nullptr;
    if (m_results_spec) {
        auto dest = obtain(*m_results_spec);
        if (!dest) {
            return make_error(fmt::format("--results: {}", dest.error()));
        }
        results = *dest;
    }
    // Everything could start: switch over at once.
    for (auto& dest : fresh) {
        m_dests.push_back(std::move(dest));
    }
    m_rules = std::move(active);
    m_unmatched = unmatched;
    m_results = results;
    m_retiring.clear();
    for (auto& dest : m_dests) {
        if (used.count(dest.get()) == 0) {
            m_retiring.insert(dest.get());
        }
    }
    return {};
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
    (void)::poll(fds.data(), fds.size(), timeout_ms);
    service_all();
}

void Router::reload() {
    for (auto& dest : m_dests) {
        dest->reopen();
    }
    if (m_options.rules_file.empty()) {
        return;
    }
    auto rules = load_rules();
    if (!rules) {
        m_diag.error(fmt::format("reload failed, keeping the old rules: {}", rules.error()));
        return;
    }
    std::size_t count = rules->size();
    if (auto done = install(std::move(rules).value()); !done) {
        m_diag.error(fmt::format("reload failed, keeping the old rules: {}", done.error()));
        return;
    }
    m_diag.error(fmt::format("reloaded {} rule{} from {}", count, count == 1 ? "" : "s", m_options.rules_file));
}

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
        std::string line;
        write_canonical(event, line);
        simdjson::dom::element root;
        if (m_stats_parser.parse(line).get(root) == simdjson::SUCCESS) {
            route(line, root);
        }
    }
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

}  // namespace

int run(const Options& options, Diagnostics& diag) {
    Router router(options, diag);
    return router.run();
}

}  // namespace ev::route
