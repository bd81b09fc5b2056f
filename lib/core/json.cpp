#include "core/json.h"

#include "core/utf8.h"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdint>
#include <cstring>

namespace ev {

std::optional<double> json_number(simdjson::dom::element value) {
    double d = 0;
    int64_t i = 0;
    uint64_t u = 0;
    if (value.get_int64().get(i) == simdjson::SUCCESS) {
        return static_cast<double>(i);
    }
    if (value.get_uint64().get(u) == simdjson::SUCCESS) {
        return static_cast<double>(u);
    }
    if (value.get_double().get(d) == simdjson::SUCCESS) {
        return d;
    }
    return std::nullopt;
}

namespace {

constexpr std::array<std::string_view, 18> k_event_key_order = {
    "id",      "time", "type", "subject", "name", "state",    "severity", "metric", "unit",
    "message", "tags", "ttl",  "source",  "data", "previous", "reason",   "since",  "cause"};

bool key_less(std::string_view a, std::string_view b, bool top_level) {
    if (top_level) {
        int ra = canonical_key_rank(a);
        int rb = canonical_key_rank(b);
        if (ra != rb) {
            return ra < rb;
        }
    }
    return a < b;
}

void write_json(const Json& value, std::string& out, bool top_level);

void write_members(const JsonMembers& members, std::string& out, bool top_level) {
    std::vector<const std::pair<std::string, Json>*> order;
    order.reserve(members.size());
    for (const auto& m : members) {
        order.push_back(&m);
    }
    std::stable_sort(order.begin(), order.end(),
                     [top_level](const auto* a, const auto* b) { return key_less(a->first, b->first, top_level); });
    out += '{';
    bool first = true;
    for (const auto* m : order) {
        if (!first) {
            out += ',';
        }
        first = false;
        json_escape_to(m->first, out);
        out += ':';
        write_json(m->second, out, false);
    }
    out += '}';
}

void write_json(const Json& value, std::string& out, bool top_level) {
    switch (value.kind()) {
        case Json::Kind::null:
            out += "null";
            break;
        case Json::Kind::boolean:
            out += value.as_bool() ? "true" : "false";
            break;
        case Json::Kind::integer:
            fmt::format_to(std::back_inserter(out), "{}", value.as_integer());
            break;
        case Json::Kind::number:
            write_number(value.as_number(), out);
            break;
        case Json::Kind::unsigned_integer:
            fmt::format_to(std::back_inserter(out), "{}", value.as_unsigned());
            break;
        case Json::Kind::string:
            json_escape_to(value.as_string(), out);
            break;
        case Json::Kind::array: {
            out += '[';
            bool first = true;
            for (const Json& item : value.items()) {
                if (!first) {
                    out += ',';
                }
                first = false;
                write_json(item, out, false);
            }
            out += ']';
            break;
        }
        case Json::Kind::object:
            write_members(value.members(), out, top_level);
            break;
    }
}

struct KeyedElement {
    std::string_view key;
    simdjson::dom::element value;
    int rank;
};

void write_element(simdjson::dom::element element, std::string& out, bool top_level) {
    using simdjson::dom::element_type;
    switch (element.type()) {
        case element_type::NULL_VALUE:
            out += "null";
            break;
        case element_type::BOOL:
            out += element.get_bool().value_unsafe() ? "true" : "false";
            break;
        case element_type::INT64:
            fmt::format_to(std::back_inserter(out), "{}", element.get_int64().value_unsafe());
            break;
        case element_type::UINT64:
            fmt::format_to(std::back_inserter(out), "{}", element.get_uint64().value_unsafe());
            break;
        case element_type::DOUBLE:
            write_number(element.get_double().value_unsafe(), out);
            break;
        case element_type::STRING:
            json_escape_to(element.get_string().value_unsafe(), out);
            break;
        case element_type::ARRAY: {
            out += '[';
            bool first = true;
            simdjson::dom::array arr = element.get_array().value_unsafe();
            for (simdjson::dom::element item : arr) {
                if (!first) {
                    out += ',';
                }
                first = false;
                write_element(item, out, false);
            }
            out += ']';
            break;
        }
        case element_type::OBJECT: {
            // One reusable scratch vector per nesting depth: no allocation per event.
            thread_local std::vector<std::vector<KeyedElement>> t_levels;
            thread_local std::size_t t_depth = 0;
            if (t_levels.size() <= t_depth) {
                t_levels.resize(t_depth + 1);
            }
            std::size_t depth = t_depth++;
            t_levels[depth].clear();
            simdjson::dom::object obj = element.get_object().value_unsafe();
            for (auto field : obj) {
                t_levels[depth].push_back({field.key, field.value, top_level ? canonical_key_rank(field.key) : 0});
            }
            sort_canonical(t_levels[depth]);
            out += '{';
            for (std::size_t i = 0; i < t_levels[depth].size(); ++i) {
                if (i > 0) {
                    out += ',';
                }
                KeyedElement member = t_levels[depth][i];
                json_escape_to(member.key, out);
                out += ':';
                write_element(member.value, out, false);
            }
            out += '}';
            --t_depth;
            break;
        }
    }
}

int hex_value(char c) {
    if (c >= '0' && c <= '9') {
        return c - '0';
    }
    if (c >= 'a' && c <= 'f') {
        return c - 'a' + 10;
    }
    if (c >= 'A' && c <= 'F') {
        return c - 'A' + 10;
    }
    return -1;
}

}  // namespace

double Json::as_number() const {
    if (kind() == Kind::integer) {
        return static_cast<double>(std::get<int64_t>(m_v));
    }
    if (kind() == Kind::unsigned_integer) {
        return static_cast<double>(std::get<uint64_t>(m_v));
    }
    return std::get<double>(m_v);
}

const Json* Json::find(std::string_view key) const {
    if (!is_object()) {
        return nullptr;
    }
    for (const auto& [k, v] : members()) {
        if (k == key) {
            return &v;
        }
    }
    return nullptr;
}

Json* Json::find(std::string_view key) {
    return const_cast<Json*>(static_cast<const Json*>(this)->find(key));
}

Json& Json::set(std::string_view key, Json value) {
    if (!is_object()) {
        m_v = JsonMembers{};
    }
    if (Json* existing = find(key)) {
        *existing = std::move(value);
        return *existing;
    }
    members().emplace_back(std::string(key), std::move(value));
    return members().back().second;
}

bool Json::erase(std::string_view key) {
    if (!is_object()) {
        return false;
    }
    auto& m = members();
    auto it = std::find_if(m.begin(), m.end(), [key](const auto& p) { return p.first == key; });
    if (it == m.end()) {
        return false;
    }
    m.erase(it);
    return true;
}

void Json::push_back(Json value) {
    if (!is_array()) {
        m_v = std::vector<Json>{};
    }
    items().push_back(std::move(value));
}

bool Json::operator==(const Json& other) const {
    if (is_number() && other.is_number()) {
        if (kind() == other.kind() && kind() != Kind::number) {
            return m_v == other.m_v;  // integers compare exactly
        }
        return as_number() == other.as_number();
    }
    if (kind() != other.kind()) {
        return false;
    }
    switch (kind()) {
        case Kind::object: {
            const auto& a = members();
            const auto& b = other.members();
            if (a.size() != b.size()) {
                return false;
            }
            for (const auto& [k, v] : a) {
                const Json* o = other.find(k);
                if (o == nullptr || !(*o == v)) {
                    return false;
                }
            }
            return true;
        }
        default:
            return m_v == other.m_v;
    }
}

Json to_json(simdjson::dom::element element) {
    using simdjson::dom::element_type;
    switch (element.type()) {
        case element_type::NULL_VALUE:
            return Json();
        case element_type::BOOL:
            return Json(element.get_bool().value_unsafe());
        case element_type::INT64:
            return Json(element.get_int64().value_unsafe());
        case element_type::UINT64:
            return Json(element.get_uint64().value_unsafe());
        case element_type::DOUBLE:
            return Json(element.get_double().value_unsafe());
        case element_type::STRING:
            return Json(element.get_string().value_unsafe());
        case element_type::ARRAY: {
            Json out = Json::array();
            simdjson::dom::array arr = element.get_array().value_unsafe();
            for (simdjson::dom::element item : arr) {
                out.push_back(to_json(item));
            }
            return out;
        }
        case element_type::OBJECT: {
            Json out = Json::object();
            simdjson::dom::object obj = element.get_object().value_unsafe();
            for (auto field : obj) {
                out.members().emplace_back(std::string(field.key), to_json(field.value));
            }
            return out;
        }
    }
    return Json();
}

Result<Json> parse_json(std::string_view text) {
    simdjson::dom::parser parser;
    simdjson::padded_string padded(text);
    simdjson::dom::element root;
    auto error = parser.parse(padded).get(root);
    if (error != simdjson::SUCCESS) {
        return make_error(fmt::format("invalid JSON: {}", simdjson::error_message(error)));
    }
    return to_json(root);
}

void write_canonical(const Json& value, std::string& out) {
    write_json(value, out, true);
}

void write_canonical(simdjson::dom::element element, std::string& out) {
    write_element(element, out, true);
}

void write_canonical_nested(simdjson::dom::element element, std::string& out) {
    write_element(element, out, false);
}

void write_canonical_nested(const Json& value, std::string& out) {
    write_json(value, out, false);
}

std::string to_canonical(const Json& value) {
    std::string out;
    write_canonical(value, out);
    return out;
}

namespace {

// True when one of the 8 bytes at p must be escaped in a JSON string (below
// 0x20, '"' or '\'): clean text is skipped a word at a time. Each test is
// exact about whether some byte matches, which is all that is asked here.
bool word_needs_escape(const char* p) {
    constexpr uint64_t k_ones = 0x0101010101010101ULL;
    constexpr uint64_t k_highs = 0x8080808080808080ULL;
    uint64_t v;
    std::memcpy(&v, p, sizeof v);
    uint64_t quote = v ^ (k_ones * '"');
    uint64_t backslash = v ^ (k_ones * '\\');
    uint64_t flags = ((v - k_ones * 0x20) & ~v) | ((quote - k_ones) & ~quote) | ((backslash - k_ones) & ~backslash);
    return (flags & k_highs) != 0;
}

bool needs_escape(unsigned char c) {
    return c < 0x20 || c == '"' || c == '\\';
}

// The end of the run of bytes from `from` that need no escape.
std::size_t clean_run_end(std::string_view s, std::size_t from) {
    std::size_t i = from;
    while (i + 8 <= s.size() && !word_needs_escape(s.data() + i)) {
        i += 8;
    }
    while (i < s.size() && !needs_escape(static_cast<unsigned char>(s[i]))) {
        ++i;
    }
    return i;
}

void append_escape(unsigned char c, std::string& out) {
    static constexpr char k_hex[] = "0123456789abcdef";
    switch (c) {
        case '"':
            out += "\\\"";
            break;
        case '\\':
            out += "\\\\";
            break;
        case '\b':
            out += "\\b";
            break;
        case '\f':
            out += "\\f";
            break;
        case '\n':
            out += "\\n";
            break;
        case '\r':
            out += "\\r";
            break;
        case '\t':
            out += "\\t";
            break;
        default:
            out += "\\u00";
            out += k_hex[c >> 4];
            out += k_hex[c & 0xF];
    }
}

}  // namespace

void json_escape_to(std::string_view s, std::string& out) {
    out += '"';
    for (std::size_t i = 0;;) {
        std::size_t clean = clean_run_end(s, i);
        out.append(s.data() + i, clean - i);
        if (clean == s.size()) {
            break;
        }
        append_escape(static_cast<unsigned char>(s[clean]), out);
        i = clean + 1;
    }
    out += '"';
}

Result<std::string> json_unescape(std::string_view literal) {
    if (literal.size() < 2 || literal.front() != '"' || literal.back() != '"') {
        return make_error("not a quoted string");
    }
    std::string out;
    std::string_view body = literal.substr(1, literal.size() - 2);
    for (std::size_t i = 0; i < body.size(); ++i) {
        char c = body[i];
        if (static_cast<unsigned char>(c) < 0x20) {
            return make_error("control character in string");
        }
        if (c != '\\') {
            out += c;
            continue;
        }
        if (++i >= body.size()) {
            return make_error("unfinished escape");
        }
        switch (body[i]) {
            case '"':
                out += '"';
                break;
            case '\\':
                out += '\\';
                break;
            case '/':
                out += '/';
                break;
            case 'b':
                out += '\b';
                break;
            case 'f':
                out += '\f';
                break;
            case 'n':
                out += '\n';
                break;
            case 'r':
                out += '\r';
                break;
            case 't':
                out += '\t';
                break;
            case 'u': {
                auto read_hex4 = [&](std::size_t at, uint32_t& cp) {
                    if (at + 4 > body.size()) {
                        return false;
                    }
                    cp = 0;
                    for (std::size_t k = 0; k < 4; ++k) {
                        int h = hex_value(body[at + k]);
                        if (h < 0) {
                            return false;
                        }
                        cp = cp * 16 + static_cast<uint32_t>(h);
                    }
                    return true;
                };
                uint32_t cp = 0;
                if (!read_hex4(i + 1, cp)) {
                    return make_error("bad \\u escape");
                }
                i += 4;
                if (cp >= 0xD800 && cp <= 0xDBFF) {
                    uint32_t low = 0;
                    if (i + 2 < body.size() && body[i + 1] == '\\' && body[i + 2] == 'u' && read_hex4(i + 3, low) &&
                        low >= 0xDC00 && low <= 0xDFFF) {
                        cp = 0x10000 + ((cp - 0xD800) << 10) + (low - 0xDC00);
                        i += 6;
                    } else {
                        return make_error("unpaired surrogate in \\u escape");
                    }
                } else if (cp >= 0xDC00 && cp <= 0xDFFF) {
                    return make_error("unpaired surrogate in \\u escape");
                }
                append_utf8(cp, out);
                break;
            }
            default:
                return make_error(fmt::format("unknown escape '\\{}'", body[i]));
        }
    }
    return out;
}

void write_number(double d, std::string& out) {
    if (!std::isfinite(d)) {
        out += "null";
        return;
    }
    if (d == 0) {
        out += '0';  // also for -0.0, so equal data encodes to equal bytes
        return;
    }
    fmt::format_to(std::back_inserter(out), "{}", d);
}

int canonical_key_rank(std::string_view key) {
    if (key.size() < 2 || key.size() > 8) {
        return static_cast<int>(k_event_key_order.size());
    }
    for (std::size_t i = 0; i < k_event_key_order.size(); ++i) {
        if (k_event_key_order[i] == key) {
            return static_cast<int>(i);
        }
    }
    return static_cast<int>(k_event_key_order.size());
}

}  // namespace ev
