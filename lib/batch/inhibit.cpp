#include "batch/inhibit.h"

#include <fmt/format.h>

#include "core/json.h"
#include "core/text.h"

namespace ev::batch {

struct Inhibitor::Rule {
    expr::Program source;
    expr::Program target;
    std::vector<Path> equal;
    // Firing sources by their equal values: (sources that do not match the
    // target, sources that do).
    std::unordered_map<std::string, std::pair<std::size_t, std::size_t>> index;
};

namespace {

// The equal fields' values of event, each after its length, with a missing
// field told apart from every value (so missing equals only missing).
void equal_values(const std::vector<Path>& fields, simdjson::dom::element event, std::string& out) {
    out.clear();
    std::string value;
    for (const Path& field : fields) {
        auto found = field.lookup(event);
        if (!found) {
            out += "-;";
            continue;
        }
        value.clear();
        write_canonical_nested(*found, value);
        out += fmt::format("{}:", value.size());
        out += value;
    }
}

}  // namespace

Result<std::vector<std::string>> parse_equal_fields(std::string_view text) {
    std::vector<std::string> out;
    if (trim(text).empty()) {
        return out;
    }
    std::size_t start = 0;
    for (;;) {
        std::size_t comma = find_outside_quotes(text, start, ',');
        std::string_view piece = trim(text.substr(start, comma == std::string_view::npos ? comma : comma - start));
        auto path = Path::parse(piece);
        if (!path || path->empty()) {
            return make_error(fmt::format("'{}' is not a field path", piece));
        }
        out.push_back(path->to_string());
        if (comma == std::string_view::npos) {
            return out;
        }
        start = comma + 1;
    }
}

Result<std::vector<InhibitRule>> parse_inhibit_rules(std::string_view text, std::string_view name) {
    std::vector<InhibitRule> out;
    auto walked = for_each_config_line(text, name, [&out](simdjson::dom::element element) -> Result<void> {
        simdjson::dom::object object;
        if (element.get_object().get(object) != simdjson::SUCCESS) {
            return make_error("a rule must be a JSON object");
        }
        InhibitRule rule;
        for (auto [field, target] : {std::pair{"source", &rule.source}, std::pair{"target", &rule.target}}) {
            std::string_view value;
            if (object[field].get_string().get(value) != simdjson::SUCCESS) {
                return make_error(fmt::format("{}: an expression string is required", field));
            }
            target->assign(value);
        }
        for (auto [key, value] : object) {
            if (key != "source" && key != "target" && key != "equal") {
                return make_error(fmt::format("unknown field '{}' (a rule has source, target, equal)", key));
            }
        }
        if (auto equal = object["equal"]; equal.error() == simdjson::SUCCESS) {
            simdjson::dom::array fields;
            if (equal.get_array().get(fields) != simdjson::SUCCESS) {
                return make_error("equal: must be an array of field paths");
            }
            for (simdjson::dom::element f : fields) {
                std::string_view path_text;
                if (f.get_string().get(path_text) != simdjson::SUCCESS) {
                    return make_error("equal: must be an array of field paths");
                }
                auto path = Path::parse(path_text);
                if (!path || path->empty()) {
                    return make_error(fmt::format("equal: '{}' is not a field path", path_text));
                }
                rule.equal.push_back(path->to_string());
            }
        }
        for (const std::string* source : {&rule.source, &rule.target}) {
            if (auto program = expr::Program::compile(*source); !program) {
                return make_error(program.error());
            }
        }
        out.push_back(std::move(rule));
        return {};
    });
    if (!walked) {
        return std::move(walked).take_error();
    }
    return out;
}

Result<std::vector<InhibitRule>> read_inhibit_rules(const std::string& path) {
    auto text = read_text_file(path);
    if (!text) {
        return std::move(text).take_error();
    }
    return parse_inhibit_rules(*text, path);
}

Inhibitor::Inhibitor() = default;
Inhibitor::~Inhibitor() = default;
Inhibitor::Inhibitor(Inhibitor&&) noexcept = default;
Inhibitor& Inhibitor::operator=(Inhibitor&&) noexcept = default;

Result<Inhibitor> Inhibitor::compile(const std::vector<InhibitRule>& rules, const Clock& clock) {
    Inhibitor inhibitor;
    for (std::size_t i = 0; i < rules.size(); ++i) {
        const InhibitRule& r = rules[i];
        auto source = expr::Program::compile(r.source, clock);
        if (!source) {
            return make_error(fmt::format("inhibit rule {}: source: {}", i + 1, source.error()));
        }
        auto target = expr::Program::compile(r.target, clock);
        if (!target) {
            return make_error(fmt::format("inhibit rule {}: target: {}", i + 1, target.error()));
        }
        std::vector<Path> equal;
        for (const std::string& field : r.equal) {
            auto path = Path::parse(field);
            if (!path || path->empty()) {
                return make_error(fmt::format("inhibit rule {}: '{}' is not a field path", i + 1, field));
            }
            equal.push_back(std::move(path).value());
        }
        inhibitor.m_rules.push_back(
            std::make_unique<Rule>(Rule{std::move(source).value(), std::move(target).value(), std::move(equal), {}}));
    }
    return inhibitor;
}

void Inhibitor::update(std::string_view subject, std::string_view name, simdjson::dom::element event, State state) {
    if (m_rules.empty()) {
        return;
    }
    m_identity.assign(subject);
    m_identity.push_back('\0');
    m_identity.append(name);
    auto it = m_sources.find(m_identity);
    if (it != m_sources.end()) {
        for (const SourceOf& s : it->second) {
            auto& counts = m_rules[s.rule]->index[s.values];
            (s.two_sided ? counts.second : counts.first) -= 1;
            if (counts.first == 0 && counts.second == 0) {
                m_rules[s.rule]->index.erase(s.values);
            }
        }
        it->second.clear();
    }
    if (state == State::ok) {
        if (it != m_sources.end()) {
            m_sources.erase(it);
        }
        return;
    }
    for (std::size_t i = 0; i < m_rules.size(); ++i) {
        Rule& rule = *m_rules[i];
        if (!rule.source.test(event)) {
            continue;
        }
        equal_values(rule.equal, event, m_values);
        bool two_sided = rule.target.test(event);
        auto& counts = rule.index[m_values];
        (two_sided ? counts.second : counts.first) += 1;
        if (it == m_sources.end()) {
            it = m_sources.emplace(m_identity, std::vector<SourceOf>{}).first;
        }
        it->second.push_back(SourceOf{i, m_values, two_sided});
    }
    if (it != m_sources.end() && it->second.empty()) {
        m_sources.erase(it);
    }
}

bool Inhibitor::inhibited(simdjson::dom::element event) {
    for (auto& r : m_rules) {
        Rule& rule = *r;
        if (rule.index.empty() || !rule.target.test(event)) {
            continue;
        }
        equal_values(rule.equal, event, m_values);
        auto found = rule.index.find(m_values);
        if (found == rule.index.end()) {
            continue;
        }
        // A target that is also a source is inhibited only by sources that
        // are not targets (Alertmanager's excludeTwoSidedMatch): never by
        // itself, nor by its peers.
        bool two_sided = rule.source.test(event);
        if (found->second.first > 0 || (!two_sided && found->second.second > 0)) {
            return true;
        }
    }
    return false;
}

}  // namespace ev::batch
