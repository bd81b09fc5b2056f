// Router: loading rules and (re)building destinations.
#include "route/engine.h"

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <functional>
#include <map>
#include <memory>
#include <set>
#include <sstream>

#include <fmt/format.h>

#include "core/clock.h"
#include "core/spawn.h"
#include "route/consumer.h"
#include "route/destination.h"
#include "route/rule.h"

namespace ev::route {

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
    if (auto unique = check_labels(rules); !unique) {
        return std::move(unique).take_error();
    }
    return rules;
}

Result<void> Router::check_labels(const std::vector<Rule>& rules) const {
    // A label names one destination: counters and metric names must not mix two.
    std::map<std::string, std::string> keys;
    auto claim = [&](const DestSpec& spec, const std::string& where) -> Result<void> {
        auto [found, fresh] = keys.emplace(spec.label(), spec.key());
        if (!fresh && found->second != spec.key()) {
            return make_error(fmt::format("{}: the label '{}' names two destinations: {} and {}", where, spec.label(),
                                          found->second, spec.key()));
        }
        return {};
    };
    for (const Rule& rule : rules) {
        for (const DestSpec& spec : rule.destinations) {
            if (auto done = claim(spec, fmt::format("{}: rule '{}'", rule.origin, rule.name)); !done) {
                return done;
            }
        }
    }
    if (m_unmatched_spec) {
        if (auto done = claim(*m_unmatched_spec, "--unmatched"); !done) {
            return done;
        }
    }
    if (m_results_spec) {
        if (auto done = claim(*m_results_spec, "--results"); !done) {
            return done;
        }
    }
    return {};
}

std::vector<std::string> Router::check_commands(const std::vector<Rule>& rules) const {
    // Consumers and callbacks inherit evroute's environment: they are found on its PATH.
    const char* path = std::getenv("PATH");
    std::vector<std::string> dirs = search_dirs(path);
    std::vector<std::string> problems;
    auto check = [&](const DestSpec& spec, const std::string& where) {
        if (spec.kind != DestKind::consumer && spec.kind != DestKind::callback) {
            return;
        }
        const std::string& command = spec.argv.front();
        int error_number = 0;
        if (auto found = find_executable(command, dirs, &error_number); !found) {
            bool bare = command.find('/') == std::string::npos;
            std::string why = bare && error_number == ENOENT
                                  ? fmt::format("not found on PATH ({})", path != nullptr ? path : "unset")
                                  : found.error();
            problems.push_back(fmt::format("{}: {}: cannot run {}: {}", where, spec.label(), command, why));
        }
    };
    for (const Rule& rule : rules) {
        for (const DestSpec& spec : rule.destinations) {
            check(spec, fmt::format("{}: rule '{}'", rule.origin, rule.name));
        }
    }
    if (m_unmatched_spec) {
        check(*m_unmatched_spec, "--unmatched");
    }
    if (m_results_spec) {
        check(*m_results_spec, "--results");
    }
    return problems;
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
    if (m_options.callback_timeout <= 0) {
        return make_error("--callback-timeout: must be more than 0");
    }
    m_ctx.callback_timeout = m_options.callback_timeout;
    m_drain_timeout = m_options.drain_timeout;
    m_stats.start(m_options.stats_interval);
    if (m_options.callback_concurrency == 0) {
        return make_error("--callback-concurrency must be at least 1");
    }
    m_ctx.callback_concurrency = m_options.callback_concurrency;
    m_ctx.queue_bytes = m_options.queue_bytes;
    m_ctx.max_line = m_options.input.max_line;
    m_ctx.spool_dir = m_options.spool_dir;
    if (m_ctx.spool_dir.empty()) {
        const char* tmp = std::getenv("TMPDIR");
        m_ctx.spool_dir = tmp != nullptr && *tmp != '\0' ? tmp : "/tmp";
    }
    m_ctx.report = [this](const Json& event) { report(event); };
    m_ctx.kafka = &m_options.input.kafka;
    return {};
}

Result<void> Router::install(std::vector<Rule> rules) {
    std::map<std::string, Destination*> existing;
    for (auto& dest : m_dests) {
        existing.emplace(dest->spec().key(), dest.get());
    }
    // New destinations, each with where it was named, for errors.
    std::vector<std::pair<std::unique_ptr<Destination>, std::string>> fresh;
    std::set<Destination*> used;
    std::function<Result<Destination*>(const DestSpec&, const std::string&)> obtain;
    obtain = [&](const DestSpec& spec, const std::string& where) -> Result<Destination*> {
        std::string key = spec.key();
        if (auto found = existing.find(key); found != existing.end()) {
            used.insert(found->second);
            if (const Destination* target = found->second->output_target()) {
                used.insert(const_cast<Destination*>(target));
            }
            return found->second;
        }
        auto dest = make_destination(spec, m_ctx);
        if (spec.output.kind != DestKind::drop) {
            // The consumer's output target exists before the consumer starts writing to it.
            auto target = obtain(spec.output_destination(), where);
            if (!target) {
                return std::move(target).take_error();
            }
            static_cast<ConsumerDestination*>(dest.get())->set_output(*target);
        }
        if (auto started = dest->start(); !started) {
            return make_error(fmt::format("{}: {}", where, started.error()));
        }
        Destination* raw = dest.get();
        fresh.emplace_back(std::move(dest), where);
        existing.emplace(key, raw);
        used.insert(raw);
        return raw;
    };
    std::vector<Active> active;
    for (Rule& rule : rules) {
        Active entry;
        std::string where = fmt::format("{}: rule '{}'", rule.origin, rule.name);
        for (const DestSpec& spec : rule.destinations) {
            auto dest = obtain(spec, where);
            if (!dest) {
                return std::move(dest).take_error();
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
        auto dest = obtain(*m_unmatched_spec, "--unmatched");
        if (!dest) {
            return std::move(dest).take_error();
        }
        unmatched = *dest;
    }
    Destination* results = nullptr;
    if (m_results_spec) {
        auto dest = obtain(*m_results_spec, "--results");
        if (!dest) {
            return std::move(dest).take_error();
        }
        results = *dest;
    }
    // A process that could not be started says so in its first result,
    // which the process layer hands out at once.
    collect();
    for (auto& [dest, where] : fresh) {
        if (auto started = dest->started(); !started) {
            return make_error(fmt::format("{}: {}", where, started.error()));
        }
    }
    // Everything could start: switch over at once.
    for (auto& [dest, where] : fresh) {
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

void Router::reload() {
    for (auto& dest : m_dests) {
        dest->reopen();
    }
    if (m_options.rules_file.empty()) {
        return;
    }
    auto rules = load_rules();
    if (!rules) {
        reload_failed(rules.error());
        return;
    }
    std::size_t count = rules->size();
    if (auto done = install(std::move(rules).value()); !done) {
        reload_failed(done.error());
        return;
    }
    m_diag.error(fmt::format("reloaded {} rule{} from {}", count, count == 1 ? "" : "s", m_options.rules_file));
    write_self(m_reload_status.succeeded());
}

void Router::reload_failed(const std::string& reason) {
    m_diag.error(fmt::format("reload failed, keeping the old rules: {}", reason));
    write_self(m_reload_status.failed(fmt::format("reload failed, keeping the old rules: {}", reason)));
}

void Router::write_self(std::string_view line) {
    // Routed like input events, before the next input line.
    write_self_status(line, [this](std::string_view l) { m_synthetic.emplace_back(l); });
}

}  // namespace ev::route
