#include "batch/key.h"

#include "core/json.h"

namespace ev::batch {

namespace {

// Splits at commas outside quotes and brackets.
std::vector<std::string_view> split_fields(std::string_view text) {
    std::vector<std::string_view> out;
    int depth = 0;
    bool quoted = false;
    std::size_t start = 0;
    for (std::size_t i = 0; i < text.size(); ++i) {
        char c = text[i];
        if (quoted) {
            if (c == '\\') {
                ++i;
            } else if (c == '"') {
                quoted = false;
            }
        } else if (c == '"') {
            quoted = true;
        } else if (c == '[') {
            ++depth;
        } else if (c == ']') {
            --depth;
        } else if (c == ',' && depth == 0) {
            out.push_back(text.substr(start, i - start));
            start = i + 1;
        }
    }
    out.push_back(text.substr(start));
    return out;
}

std::string_view trim(std::string_view s) {
    while (!s.empty() && s.front() == ' ') {
        s.remove_prefix(1);
    }
    while (!s.empty() && s.back() == ' ') {
        s.remove_suffix(1);
    }
    return s;
}

void append_value(simdjson::dom::element value, std::string& out) {
    std::string_view s;
    if (value.get_string().get(s) == simdjson::SUCCESS) {
        out += s;
    } else {
        write_canonical_nested(value, out);
    }
}

}  // namespace

Result<GroupKey> GroupKey::parse(std::string_view text, const Clock& clock) {
    GroupKey key;
    bool all_paths = true;
    for (std::string_view piece : split_fields(text)) {
        auto path = Path::parse(trim(piece));
        if (!path || path->empty()) {
            all_paths = false;
            break;
        }
        key.m_is_state.push_back(path->to_string() == "state");
        key.m_fields.push_back(std::move(path).value());
    }
    if (all_paths) {
        return key;
    }
    key.m_fields.clear();
    key.m_is_state.clear();
    auto program = expr::Program::compile(text, clock);
    if (!program) {
        return make_error("--by is neither a list of fields nor an expression: " + program.error());
    }
    key.m_program = std::make_unique<expr::Program>(std::move(program).value());
    return key;
}

void GroupKey::build(simdjson::dom::element event, std::string_view state, std::string& out) {
    out.clear();
    if (m_program) {
        Json value = m_program->eval(event);
        if (value.is_string()) {
            out = value.as_string();
        } else {
            write_canonical_nested(value, out);
        }
        return;
    }
    for (std::size_t i = 0; i < m_fields.size(); ++i) {
        if (i > 0) {
            out += '/';
        }
        if (m_is_state[i]) {
            out += state;
        } else if (auto value = m_fields[i].lookup(event)) {
            append_value(*value, out);
        }
    }
}

}  // namespace ev::batch
