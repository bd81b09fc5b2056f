#include "snmptrap/rules.h"

#include <fmt/format.h>
#include <simdjson.h>

#include <fstream>
#include <sstream>

#include "core/duration.h"
#include "core/escape.h"
#include "snmptrap/names.h"

namespace ev::snmptrap {

namespace {

std::vector<std::string_view> words_of(std::string_view line) {
    std::vector<std::string_view> words;
    std::size_t i = 0;
    while (i < line.size()) {
        while (i < line.size() && (line[i] == ' ' || line[i] == '\t')) {
            ++i;
        }
        std::size_t start = i;
        while (i < line.size() && line[i] != ' ' && line[i] != '\t') {
            ++i;
        }
        if (i > start) {
            words.push_back(line.substr(start, i - start));
        }
    }
    return words;
}

Result<Rule> parse_rule(std::string_view line) {
    std::vector<std::string_view> words = words_of(line);
    if (words.size() < 3) {
        return make_error("expected: exact|subtree TRAP ACTION [index=VARBIND] [name=NAME] [ttl=DURATION]");
    }
    Rule rule;
    if (words[0] == "subtree") {
        rule.subtree = true;
    } else if (words[0] != "exact") {
        return make_error(fmt::format("'{}': expected exact or subtree", escape_prefix(words[0])));
    }
    auto trap = oid_of(words[1]);
    if (!trap) {
        return make_error(fmt::format("'{}': not an OID or a known name", escape_prefix(words[1])));
    }
    rule.trap_oid = *trap;
    if (words[2] != "archive") {
        auto state = parse_state(words[2]);
        if (!state) {
            return make_error(
                fmt::format("'{}': expected ok, warning, critical, unknown or archive", escape_prefix(words[2])));
        }
        rule.state = *state;
    }
    for (std::size_t i = 3; i < words.size(); ++i) {
        std::string_view word = words[i];
        std::size_t eq = word.find('=');
        std::string_view key = word.substr(0, eq);
        std::string_view value = eq == std::string_view::npos ? std::string_view() : word.substr(eq + 1);
        if (eq == std::string_view::npos || value.empty()) {
            return make_error(fmt::format("'{}': expected index=, name= or ttl= with a value", escape_prefix(word)));
        }
        if (key == "index") {
            auto index = oid_of(value);
            if (!index) {
                return make_error(fmt::format("index '{}': not an OID or a known name", escape_prefix(value)));
            }
            rule.index_oid = *index;
        } else if (key == "name") {
            if (!simdjson::validate_utf8(value.data(), value.size())) {
                return make_error("name: not valid UTF-8");
            }
            rule.name = std::string(value);
        } else if (key == "ttl") {
            auto ttl = parse_duration(value);
            if (!ttl || *ttl <= 0) {
                return make_error(fmt::format("ttl '{}': expected a duration above zero", escape_prefix(value)));
            }
            if (!rule.state) {
                return make_error("ttl= needs a state: archive events have no ttl");
            }
            rule.ttl = *ttl;
        } else {
            return make_error(fmt::format("'{}': unknown option (index=, name=, ttl=)", escape_prefix(key)));
        }
    }
    return rule;
}

}  // namespace

const Rule* RuleSet::match(std::string_view trap_oid) const {
    for (const Rule& rule : m_rules) {
        if (rule.subtree ? oid_under(trap_oid, rule.trap_oid) : trap_oid == rule.trap_oid) {
            return &rule;
        }
    }
    return nullptr;
}

std::vector<Rule> builtin_rules() {
    Rule down;
    down.trap_oid = std::string(oids::k_link_down);
    down.state = State::critical;
    down.index_oid = std::string(oids::k_if_index);
    down.name = "IF-MIB::ifOperStatus";
    Rule up = down;
    up.trap_oid = std::string(oids::k_link_up);
    up.state = State::ok;
    return {down, up};
}

Result<std::vector<Rule>> parse_rules(std::string_view text, std::string_view file) {
    std::vector<Rule> rules;
    std::size_t number = 0;
    while (!text.empty()) {
        std::size_t nl = text.find('\n');
        std::string_view line = text.substr(0, nl);
        text = nl == std::string_view::npos ? std::string_view() : text.substr(nl + 1);
        ++number;
        if (std::size_t hash = line.find('#'); hash != std::string_view::npos) {
            line = line.substr(0, hash);
        }
        if (!line.empty() && line.back() == '\r') {
            line.remove_suffix(1);
        }
        if (words_of(line).empty()) {
            continue;
        }
        auto rule = parse_rule(line);
        if (!rule) {
            return make_error(fmt::format("{}:{}: {}", file, number, rule.error()));
        }
        rule->line = number;
        rules.push_back(std::move(*rule));
    }
    return rules;
}

Result<std::vector<Rule>> load_rules(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) {
        return make_error(fmt::format("{}: cannot open", path));
    }
    std::ostringstream text;
    text << in.rdbuf();
    return parse_rules(text.str(), path);
}

}  // namespace ev::snmptrap
