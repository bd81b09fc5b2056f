#include "rpc/policy.h"

#include <fstream>
#include <sstream>

#include <fmt/format.h>

#include "core/escape.h"
#include "rpc/envelope.h"

namespace ev::rpc {

struct Policy::Rule {
    bool allow = false;
    std::string caller;                // name, fingerprint or "*"
    std::vector<std::string> actions;  // AGENT.ACTION, AGENT.* or *
    std::unique_ptr<Matcher> facts;    // nullptr: any node
    int line = 0;
};

namespace {

std::vector<std::string_view> words_of(std::string_view line) {
    std::vector<std::string_view> words;
    std::size_t i = 0;
    while (i < line.size()) {
        while (i < line.size() && (line[i] == ' ' || line[i] == '\t')) {
            ++i;
        }
        if (i >= line.size() || line[i] == '#') {
            break;
        }
        std::size_t start = i;
        while (i < line.size() && line[i] != ' ' && line[i] != '\t') {
            ++i;
        }
        words.push_back(line.substr(start, i - start));
    }
    return words;
}

bool action_matches(std::string_view pattern, std::string_view agent, std::string_view action) {
    if (pattern == "*") {
        return true;
    }
    std::size_t dot = pattern.find('.');
    if (dot == std::string_view::npos) {
        return false;
    }
    std::string_view pa = pattern.substr(0, dot);
    std::string_view pb = pattern.substr(dot + 1);
    return pa == agent && (pb == "*" || pb == action);
}

Result<std::string> read_file(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) {
        return make_error(fmt::format("{}: cannot read", path));
    }
    std::ostringstream text;
    text << in.rdbuf();
    return text.str();
}

template <class F>
Result<void> each_line(std::string_view text, F&& f) {
    int number = 0;
    while (!text.empty()) {
        std::size_t nl = text.find('\n');
        std::string_view line = text.substr(0, nl);
        text = nl == std::string_view::npos ? std::string_view() : text.substr(nl + 1);
        ++number;
        if (!line.empty() && line.back() == '\r') {
            line.remove_suffix(1);
        }
        if (auto r = f(line, number); !r) {
            return r;
        }
    }
    return {};
}

}  // namespace

Result<AuthorizedCaller> parse_key_line(std::string_view line) {
    auto words = words_of(line);
    if (words.size() < 2 || words.size() > 3 || words[0] != "ed25519") {
        return make_error("expected \"ed25519 BASE64 [NAME]\"");
    }
    auto pub = unbase64(words[1]);
    if (!pub || pub->size() != k_public_key_bytes) {
        return make_error("the key is not a base64 ed25519 public key");
    }
    AuthorizedCaller c;
    c.fingerprint = fingerprint(*pub);
    c.pub = std::move(*pub);
    c.name = words.size() == 3 ? std::string(words[2]) : c.fingerprint;
    return c;
}

Policy::Policy() = default;
Policy::Policy(Policy&&) noexcept = default;
Policy& Policy::operator=(Policy&&) noexcept = default;
Policy::~Policy() = default;

Result<Policy> Policy::parse(std::string_view keys_text, std::string_view keys_file, std::string_view policy_text,
                             std::string_view policy_file) {
    Policy policy;
    auto keys = each_line(keys_text, [&](std::string_view line, int number) -> Result<void> {
        if (words_of(line).empty()) {
            return {};
        }
        auto c = parse_key_line(line);
        if (!c) {
            return make_error(fmt::format("{}:{}: {}", keys_file, number, c.error()));
        }
        for (const AuthorizedCaller& other : policy.m_callers) {
            if (other.name == c->name || other.fingerprint == c->fingerprint) {
                return make_error(
                    fmt::format("{}:{}: key or name {} listed twice", keys_file, number, escape_prefix(c->name)));
            }
        }
        policy.m_callers.push_back(std::move(*c));
        return {};
    });
    if (!keys) {
        return std::move(keys).take_error();
    }
    auto rules = each_line(policy_text, [&](std::string_view line, int number) -> Result<void> {
        auto words = words_of(line);
        if (words.empty()) {
            return {};
        }
        auto fail = [&](std::string message) {
            return make_error(fmt::format("{}:{}: {}", policy_file, number, message));
        };
        if (words.size() < 3 || (words[0] != "allow" && words[0] != "deny")) {
            return fail("expected \"allow|deny CALLER ACTIONS [FACT-TEST ...]\"");
        }
        auto rule = std::make_unique<Rule>();
        rule->allow = words[0] == "allow";
        rule->caller = std::string(words[1]);
        rule->line = number;
        if (rule->caller != "*") {
            bool known = false;
            for (const AuthorizedCaller& c : policy.m_callers) {
                known = known || c.name == rule->caller || c.fingerprint == rule->caller;
            }
            if (!known) {
                return fail(fmt::format("caller {} is not in the authorized keys", escape_prefix(rule->caller)));
            }
        }
        std::string_view list = words[2];
        while (!list.empty()) {
            std::size_t comma = list.find(',');
            std::string_view item = list.substr(0, comma);
            list = comma == std::string_view::npos ? std::string_view() : list.substr(comma + 1);
            std::size_t dot = item.find('.');
            if (item != "*" && (dot == std::string_view::npos || dot == 0 || dot + 1 == item.size())) {
                return fail(fmt::format("action {} is not AGENT.ACTION, AGENT.* or *", escape_prefix(item)));
            }
            rule->actions.emplace_back(item);
        }
        if (rule->actions.empty()) {
            return fail("no actions");
        }
        if (words.size() > 3) {
            Filter filter;
            for (std::size_t i = 3; i < words.size(); ++i) {
                auto test = parse_fact_test(words[i]);
                if (!test) {
                    return fail(test.error());
                }
                filter.facts.push_back(std::move(*test));
            }
            auto matcher = Matcher::compile(filter);
            if (!matcher) {
                return fail(matcher.error());
            }
            rule->facts = std::make_unique<Matcher>(std::move(*matcher));
        }
        policy.m_rules.push_back(std::move(rule));
        return {};
    });
    if (!rules) {
        return std::move(rules).take_error();
    }
    return policy;
}

Result<Policy> Policy::load(const std::string& keys_path, const std::string& policy_path) {
    auto keys = read_file(keys_path);
    if (!keys) {
        return std::move(keys).take_error();
    }
    auto rules = read_file(policy_path);
    if (!rules) {
        return std::move(rules).take_error();
    }
    return parse(*keys, keys_path, *rules, policy_path);
}

const AuthorizedCaller* Policy::caller(std::string_view fingerprint) const {
    for (const AuthorizedCaller& c : m_callers) {
        if (c.fingerprint == fingerprint) {
            return &c;
        }
    }
    return nullptr;
}

Decision Policy::decide(const AuthorizedCaller& caller, std::string_view agent, std::string_view action,
                        const Node& node) const {
    for (const auto& rule : m_rules) {
        if (rule->caller != "*" && rule->caller != caller.name && rule->caller != caller.fingerprint) {
            continue;
        }
        bool listed = false;
        for (const std::string& pattern : rule->actions) {
            listed = listed || action_matches(pattern, agent, action);
        }
        if (!listed || (rule->facts && !rule->facts->matches(node))) {
            continue;
        }
        if (rule->allow) {
            return Decision{true, fmt::format("policy line {}", rule->line)};
        }
        return Decision{false, fmt::format("denied by policy line {}", rule->line)};
    }
    return Decision{false, "no policy line allows it"};
}

std::size_t Policy::key_count() const {
    return m_callers.size();
}

std::size_t Policy::rule_count() const {
    return m_rules.size();
}

}  // namespace ev::rpc
