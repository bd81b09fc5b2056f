#include "core/path.h"

#include <fmt/format.h>

#include "core/json.h"

namespace ev {

namespace {

bool is_ident_start(char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
}
bool is_ident_char(char c) {
    return is_ident_start(c) || (c >= '0' && c <= '9');
}

Error path_error(std::string_view text, std::size_t pos, std::string_view what) {
    return make_error(fmt::format("bad path '{}' at offset {}: {}", text, pos, what));
}

// Reads a JSON-style quoted string starting at text[pos] == '"'; pos ends after the quote.
Result<std::string> read_quoted(std::string_view text, std::size_t& pos) {
    std::size_t start = pos;
    ++pos;
    while (pos < text.size() && text[pos] != '"') {
        if (text[pos] == '\\') {
            ++pos;
        }
        ++pos;
    }
    if (pos >= text.size()) {
        return path_error(text, start, "unterminated string");
    }
    ++pos;
    auto decoded = json_unescape(text.substr(start, pos - start));
    if (!decoded) {
        return path_error(text, start, decoded.error());
    }
    return std::move(decoded).value();
}

}  // namespace

std::size_t find_outside_quotes(std::string_view text, std::size_t from, char target) {
    bool quoted = false;
    for (std::size_t i = from; i < text.size(); ++i) {
        char c = text[i];
        if (quoted) {
            if (c == '\\') {
                ++i;
            } else if (c == '"') {
                quoted = false;
            }
        } else if (c == '"') {
            quoted = true;
        } else if (c == target) {
            return i;
        }
    }
    return std::string_view::npos;
}

bool is_identifier(std::string_view key) {
    if (key.empty() || !is_ident_start(key[0])) {
        return false;
    }
    for (char c : key) {
        if (!is_ident_char(c)) {
            return false;
        }
    }
    return true;
}

Result<Path> Path::parse(std::string_view text) {
    std::vector<PathStep> steps;
    std::size_t pos = 0;
    bool need_key = true;
    while (pos < text.size()) {
        char c = text[pos];
        if (need_key) {
            if (!is_ident_start(c)) {
                return path_error(text, pos, "expected a field name");
            }
            std::size_t start = pos;
            while (pos < text.size() && is_ident_char(text[pos])) {
                ++pos;
            }
            steps.push_back({PathStep::Kind::key, std::string(text.substr(start, pos - start)), 0});
            need_key = false;
        } else if (c == '.') {
            ++pos;
            need_key = true;
        } else if (c == '[') {
            ++pos;
            if (pos < text.size() && text[pos] == '"') {
                auto key = read_quoted(text, pos);
                if (!key) {
                    return std::move(key).take_error();
                }
                steps.push_back({PathStep::Kind::key, std::move(key).value(), 0});
            } else {
                std::size_t start = pos;
                std::size_t index = 0;
                while (pos < text.size() && text[pos] >= '0' && text[pos] <= '9') {
                    index = index * 10 + static_cast<std::size_t>(text[pos] - '0');
                    if (index > (std::size_t{1} << 40)) {
                        return path_error(text, start, "index too large");
                    }
                    ++pos;
                }
                if (pos == start) {
                    return path_error(text, pos, "expected an index or a quoted key");
                }
                steps.push_back({PathStep::Kind::index, {}, index});
            }
            if (pos >= text.size() || text[pos] != ']') {
                return path_error(text, pos, "expected ']'");
            }
            ++pos;
        } else {
            return path_error(text, pos, "expected '.' or '['");
        }
    }
    if (need_key) {
        return path_error(text, pos, "expected a field name");
    }
    return Path(std::move(steps));
}

std::string Path::to_string() const {
    std::string out;
    for (const PathStep& step : m_steps) {
        if (step.kind == PathStep::Kind::index) {
            out += fmt::format("[{}]", step.index);
        } else if (is_identifier(step.key)) {
            if (!out.empty()) {
                out += '.';
            }
            out += step.key;
        } else {
            out += '[';
            json_escape_to(step.key, out);
            out += ']';
        }
    }
    return out;
}

std::optional<simdjson::dom::element> Path::lookup(simdjson::dom::element root) const {
    simdjson::dom::element cur = root;
    for (const PathStep& step : m_steps) {
        if (step.kind == PathStep::Kind::key) {
            simdjson::dom::object obj;
            if (cur.get_object().get(obj) != simdjson::SUCCESS) {
                return std::nullopt;
            }
            if (obj.at_key(step.key).get(cur) != simdjson::SUCCESS) {
                return std::nullopt;
            }
        } else {
            simdjson::dom::array arr;
            if (cur.get_array().get(arr) != simdjson::SUCCESS) {
                return std::nullopt;
            }
            if (arr.at(step.index).get(cur) != simdjson::SUCCESS) {
                return std::nullopt;
            }
        }
    }
    return cur;
}

}  // namespace ev
