#include "rpc/filter.h"

#include <re2/re2.h>

#include <charconv>
#include <cmath>
#include <optional>

#include <fmt/format.h>

#include "core/escape.h"
#include "expr/expr.h"

namespace ev::rpc {

namespace {

constexpr std::string_view k_ops[] = {"=~", "!=", "<=", ">=", "=", "<", ">"};

// A value written /like this/ is a regex; the slashes are not part of it.
bool is_regex_literal(std::string_view text) {
    return text.size() >= 2 && text.front() == '/' && text.back() == '/';
}

std::string_view regex_body(std::string_view text) {
    return is_regex_literal(text) ? text.substr(1, text.size() - 2) : text;
}

std::optional<double> number_of(std::string_view text) {
    double d = 0;
    auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), d);
    if (text.empty() || ec != std::errc() || ptr != text.data() + text.size() || !std::isfinite(d)) {
        return std::nullopt;
    }
    return d;
}

// A fact's value as the text a -F value is compared with.
std::string text_of(const Json& value) {
    switch (value.kind()) {
        case Json::Kind::string:
            return value.as_string();
        case Json::Kind::boolean:
            return value.as_bool() ? "true" : "false";
        case Json::Kind::null:
            return "null";
        default:
            return to_canonical(value);
    }
}

std::unique_ptr<RE2> compile_regex(std::string_view pattern, std::string& error) {
    RE2::Options options;
    options.set_log_errors(false);
    auto re = std::make_unique<RE2>(pattern, options);
    if (!re->ok()) {
        error = re->error();
        return nullptr;
    }
    return re;
}

Result<std::vector<std::string>> strings_of(simdjson::dom::element element, std::string_view what) {
    std::vector<std::string> out;
    simdjson::dom::array array;
    if (element.get_array().get(array) != simdjson::SUCCESS) {
        return make_error(fmt::format("filter.{} is not an array", what));
    }
    for (simdjson::dom::element item : array) {
        std::string_view s;
        if (item.get_string().get(s) != simdjson::SUCCESS) {
            return make_error(fmt::format("filter.{} holds a value that is not a string", what));
        }
        out.emplace_back(s);
    }
    return out;
}

}  // namespace

bool Filter::empty() const {
    return facts.empty() && classes.empty() && identity.empty() && agents.empty() && expr.empty();
}

Result<FactTest> parse_fact_test(std::string_view text) {
    // The first operator in the text splits it; "=~" and the two-character
    // operators are tried before "=" at each position.
    for (std::size_t i = 1; i < text.size(); ++i) {
        for (std::string_view op : k_ops) {
            if (text.substr(i, op.size()) == op) {
                FactTest test{std::string(text.substr(0, i)), std::string(op), std::string(text.substr(i + op.size()))};
                if (test.op == "=~" && is_regex_literal(test.value)) {
                    test.value = std::string(regex_body(test.value));
                }
                return test;
            }
        }
    }
    return make_error(
        fmt::format("bad fact filter '{}': expected FACT=VALUE (or != < > <= >= =~)", escape_prefix(text)));
}

Json filter_to_json(const Filter& filter) {
    Json out = Json::object();
    Json facts = Json::array();
    for (const FactTest& t : filter.facts) {
        Json triple = Json::array();
        triple.push_back(Json(t.fact));
        triple.push_back(Json(t.op));
        triple.push_back(Json(t.value));
        facts.push_back(std::move(triple));
    }
    out.set("facts", std::move(facts));
    auto list = [](const std::vector<std::string>& items) {
        Json a = Json::array();
        for (const std::string& s : items) {
            a.push_back(Json(s));
        }
        return a;
    };
    out.set("classes", list(filter.classes));
    out.set("identity", list(filter.identity));
    out.set("agents", list(filter.agents));
    out.set("expr", Json(filter.expr));
    return out;
}

Result<Filter> filter_from_json(simdjson::dom::element element) {
    simdjson::dom::object object;
    if (element.get_object().get(object) != simdjson::SUCCESS) {
        return make_error("filter is not an object");
    }
    Filter filter;
    for (auto field : object) {
        std::string_view key = field.key;
        if (key == "facts") {
            simdjson::dom::array array;
            if (field.value.get_array().get(array) != simdjson::SUCCESS) {
                return make_error("filter.facts is not an array");
            }
            for (simdjson::dom::element item : array) {
                simdjson::dom::array triple;
                if (item.get_array().get(triple) != simdjson::SUCCESS || triple.size() != 3) {
                    return make_error("filter.facts holds an entry that is not [fact, op, value]");
                }
                std::string_view parts[3];
                std::size_t n = 0;
                for (simdjson::dom::element part : triple) {
                    if (part.get_string().get(parts[n]) != simdjson::SUCCESS) {
                        return make_error("filter.facts holds an entry that is not three strings");
                    }
                    ++n;
                }
                filter.facts.push_back({std::string(parts[0]), std::string(parts[1]), std::string(parts[2])});
            }
        } else if (key == "classes" || key == "identity" || key == "agents") {
            auto items = strings_of(field.value, key);
            if (!items) {
                return std::move(items).take_error();
            }
            (key == "classes" ? filter.classes : key == "identity" ? filter.identity : filter.agents) = *items;
        } else if (key == "expr") {
            std::string_view s;
            if (field.value.get_string().get(s) != simdjson::SUCCESS) {
                return make_error("filter.expr is not a string");
            }
            filter.expr = std::string(s);
        }
        // Unknown members are ignored: a newer client may filter on more.
    }
    return filter;
}

const Json* find_fact(const Json& facts, std::string_view fact) {
    if (const Json* v = facts.find(fact)) {
        return v;
    }
    const Json* at = &facts;
    while (at != nullptr && !fact.empty()) {
        std::size_t dot = fact.find('.');
        at = at->find(fact.substr(0, dot));
        if (dot == std::string_view::npos) {
            return at;
        }
        fact.remove_prefix(dot + 1);
    }
    return nullptr;
}

struct Matcher::Impl {
    struct Test {
        FactTest test;
        std::unique_ptr<RE2> re;
        std::optional<double> number;
    };
    std::vector<Test> facts;
    std::vector<std::string> classes;
    std::vector<std::unique_ptr<RE2>> class_res;  // parallel to classes; null for exact names
    std::vector<std::string> identity;
    std::vector<std::unique_ptr<RE2>> identity_res;
    std::vector<std::string> agents;
    std::optional<expr::Program> program;
    simdjson::dom::parser parser;
    std::string scratch;

    bool fact_holds(const Test& t, const Json& facts_object) const {
        const Json* value = find_fact(facts_object, t.test.fact);
        if (value == nullptr) {
            // An absent fact is never equal to anything, so != holds.
            return t.test.op == "!=";
        }
        std::string text = text_of(*value);
        const std::string& op = t.test.op;
        if (op == "=~") {
            return RE2::PartialMatch(text, *t.re);
        }
        std::optional<double> have = value->is_number() ? std::optional<double>(value->as_number()) : number_of(text);
        int cmp = 0;
        if (have && t.number) {
            cmp = *have < *t.number ? -1 : *have > *t.number ? 1 : 0;
        } else {
            cmp = text.compare(t.test.value);
            cmp = cmp < 0 ? -1 : cmp > 0 ? 1 : 0;
        }
        if (op == "=") {
            return cmp == 0;
        }
        if (op == "!=") {
            return cmp != 0;
        }
        if (op == "<") {
            return cmp < 0;
        }
        if (op == ">") {
            return cmp > 0;
        }
        if (op == "<=") {
            return cmp <= 0;
        }
        return cmp >= 0;
    }
};

Matcher::Matcher(std::unique_ptr<Impl> impl) : m_impl(std::move(impl)) {}
Matcher::Matcher(Matcher&&) noexcept = default;
Matcher& Matcher::operator=(Matcher&&) noexcept = default;
Matcher::~Matcher() = default;

Result<Matcher> Matcher::compile(const Filter& filter) {
    auto impl = std::make_unique<Impl>();
    std::string error;
    for (const FactTest& t : filter.facts) {
        bool known = false;
        for (std::string_view op : k_ops) {
            known = known || t.op == op;
        }
        if (!known || t.fact.empty()) {
            return make_error(fmt::format("bad fact filter '{}{}{}'", escape_prefix(t.fact), escape_prefix(t.op),
                                          escape_prefix(t.value)));
        }
        Impl::Test test{t, nullptr, number_of(t.value)};
        if (t.op == "=~") {
            test.re = compile_regex(t.value, error);
            if (!test.re) {
                return make_error(fmt::format("bad regex in fact filter '{}': {}", escape_prefix(t.value), error));
            }
        }
        impl->facts.push_back(std::move(test));
    }
    auto regexes = [&](const std::vector<std::string>& items, std::vector<std::unique_ptr<RE2>>& out,
                       std::string_view what) -> Result<void> {
        for (const std::string& item : items) {
            std::unique_ptr<RE2> re;
            if (is_regex_literal(item)) {
                re = compile_regex(regex_body(item), error);
                if (!re) {
                    return make_error(fmt::format("bad regex in {} filter '{}': {}", what, escape_prefix(item), error));
                }
            }
            out.push_back(std::move(re));
        }
        return {};
    };
    impl->classes = filter.classes;
    if (auto r = regexes(filter.classes, impl->class_res, "class"); !r) {
        return std::move(r).take_error();
    }
    impl->identity = filter.identity;
    if (auto r = regexes(filter.identity, impl->identity_res, "identity"); !r) {
        return std::move(r).take_error();
    }
    impl->agents = filter.agents;
    if (!filter.expr.empty()) {
        auto program = expr::Program::compile(filter.expr);
        if (!program) {
            return make_error(fmt::format("bad -S expression: {}", program.error()));
        }
        impl->program.emplace(std::move(program).value());
    }
    return Matcher(std::move(impl));
}

bool Matcher::matches(const Node& node) const {
    Impl& m = *m_impl;
    for (const Impl::Test& t : m.facts) {
        if (!m.fact_holds(t, node.facts)) {
            return false;
        }
    }
    for (std::size_t i = 0; i < m.classes.size(); ++i) {
        bool found = false;
        for (const std::string& c : node.classes) {
            found = m.class_res[i] ? RE2::PartialMatch(c, *m.class_res[i]) : c == m.classes[i];
            if (found) {
                break;
            }
        }
        if (!found) {
            return false;
        }
    }
    if (!m.identity.empty()) {
        bool found = false;
        for (std::size_t i = 0; i < m.identity.size() && !found; ++i) {
            found = m.identity_res[i] ? RE2::PartialMatch(node.host, *m.identity_res[i]) ||
                                            RE2::PartialMatch(node.agent_id, *m.identity_res[i])
                                      : node.host == m.identity[i] || node.agent_id == m.identity[i];
        }
        if (!found) {
            return false;
        }
    }
    for (const std::string& a : m.agents) {
        if (node.agents.find(a) == node.agents.end()) {
            return false;
        }
    }
    if (m.program) {
        m.scratch = to_canonical(node.facts);
        simdjson::dom::element root;
        if (m.parser.parse(m.scratch).get(root) != simdjson::SUCCESS || !m.program->test(root)) {
            return false;
        }
    }
    return true;
}

}  // namespace ev::rpc
