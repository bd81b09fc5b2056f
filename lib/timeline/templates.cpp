#include "timeline/templates.h"

#include <fmt/format.h>

#include "core/escape.h"
#include "core/json.h"
#include "core/text.h"
#include "core/utf8.h"

namespace ev::timeline {

namespace {

// The defaults, tried after a file's templates (docs/evtimeline.1.md lists them).
struct Default {
    const char* state;
    const char* type;
    const char* text;
};
constexpr Default k_defaults[] = {
    {"critical", "", "{name} on {subject} is failing"},
    {"warning", "", "{name} on {subject} needs attention"},
    {"unknown", "", "{name} on {subject} cannot be checked"},
    {"ok", "", "{name} on {subject} is fine"},
    {"", "archive", "{subject}: {message}"},
    {"", "log", "{subject}: {message}"},
    {"", "archive", "{subject}: {name}"},
    {"", "log", "{subject}: {name}"},
};

// A code point that must never reach a human line as itself.
bool is_hidden_control(uint32_t cp) {
    return cp < 0x20 || cp == 0x7f || (cp >= 0x80 && cp <= 0x9f) || cp == 0x2028 || cp == 0x2029 || cp == 0x061c ||
           cp == 0x200e || cp == 0x200f || (cp >= 0x202a && cp <= 0x202e) || (cp >= 0x2066 && cp <= 0x2069);
}

uint32_t decode(std::string_view s, std::size_t at, std::size_t length) {
    auto b = [&](std::size_t i) { return static_cast<uint32_t>(static_cast<unsigned char>(s[at + i])); };
    switch (length) {
        case 1:
            return b(0);
        case 2:
            return ((b(0) & 0x1f) << 6) | (b(1) & 0x3f);
        case 3:
            return ((b(0) & 0x0f) << 12) | ((b(1) & 0x3f) << 6) | (b(2) & 0x3f);
        default:
            return ((b(0) & 0x07) << 18) | ((b(1) & 0x3f) << 12) | ((b(2) & 0x3f) << 6) | (b(3) & 0x3f);
    }
}

std::string_view string_of(simdjson::dom::element event, const char* key) {
    std::string_view s;
    if (event[key].get_string().get(s) != simdjson::SUCCESS) {
        return {};
    }
    return s;
}

bool matches(Template& t, simdjson::dom::element event) {
    if (!t.name.empty() && string_of(event, "name") != t.name) {
        return false;
    }
    if (!t.state.empty() && string_of(event, "state") != t.state) {
        return false;
    }
    if (!t.type.empty() && string_of(event, "type") != t.type) {
        return false;
    }
    return !t.when || t.when->test(event);
}

// Fills t's text from event; false when a placeholder's field is missing or null.
bool fill(const Template& t, simdjson::dom::element event, std::string& line) {
    line.clear();
    std::string json;
    for (const batch::TemplatePart& part : t.text.parts()) {
        if (!part.is_field) {
            line += part.text;
            continue;
        }
        auto value = part.path.lookup(event);
        if (!value || value->is_null()) {
            return false;
        }
        std::string_view s;
        if (value->get_string().get(s) != simdjson::SUCCESS) {
            json.clear();
            write_canonical(*value, json);
            s = json;
        }
        append_plain(s, line);
    }
    return true;
}

Result<Template> make_template(std::string_view text, std::string name, std::string state, std::string type) {
    auto parsed = batch::ArgTemplate::parse(text);
    if (!parsed) {
        return make_error(fmt::format("text: {}", parsed.error()));
    }
    Template t{std::move(name), std::move(state), std::move(type), nullptr, std::move(parsed).value(), {}, false};
    return t;
}

Result<std::string> string_field(simdjson::dom::element value, std::string_view key) {
    std::string_view s;
    if (value.get_string().get(s) != simdjson::SUCCESS) {
        return make_error(fmt::format("\"{}\" must be a string", key));
    }
    return std::string(s);
}

Result<Template> parse_template(simdjson::dom::element line) {
    simdjson::dom::object object;
    if (line.get_object().get(object) != simdjson::SUCCESS) {
        return make_error("a template is a JSON object");
    }
    std::string name, state, type, text, when;
    bool has_text = false, skip = false;
    std::vector<std::string> tags;
    for (auto [key, value] : object) {
        if (key == "name" || key == "state" || key == "type" || key == "text" || key == "when") {
            auto s = string_field(value, key);
            if (!s) {
                return std::move(s).take_error();
            }
            (key == "name"    ? name
             : key == "state" ? state
             : key == "type"  ? type
             : key == "when"  ? when
                              : text) = std::move(s).value();
            has_text = has_text || key == "text";
        } else if (key == "skip") {
            if (value.get_bool().get(skip) != simdjson::SUCCESS) {
                return make_error("\"skip\" must be true or false");
            }
        } else if (key == "tags") {
            simdjson::dom::array array;
            if (value.get_array().get(array) != simdjson::SUCCESS) {
                return make_error("\"tags\" must be an array of strings");
            }
            for (simdjson::dom::element tag : array) {
                std::string_view s;
                if (tag.get_string().get(s) != simdjson::SUCCESS) {
                    return make_error("\"tags\" must be an array of strings");
                }
                std::string normal = normalise_hashtag(s);
                if (normal.empty()) {
                    return make_error(fmt::format("tag \"{}\" has no letter, digit or '_'", escape_text(s)));
                }
                tags.push_back(std::move(normal));
            }
        } else {
            return make_error(
                fmt::format("unknown key \"{}\" (name, state, type, when, text, tags, skip)", escape_text(key)));
        }
    }
    if (!has_text && !skip) {
        return make_error("a template needs \"text\" (or \"skip\": true)");
    }
    std::string plain;
    append_plain(text, plain, SIZE_MAX);
    if (plain != text) {
        return make_error("\"text\" holds a control character or invalid UTF-8");
    }
    auto t = make_template(text, std::move(name), std::move(state), std::move(type));
    if (!t) {
        return std::move(t).take_error();
    }
    if (!when.empty()) {
        auto program = expr::Program::compile(when);
        if (!program) {
            return make_error(fmt::format("when: {}", program.error()));
        }
        t->when = std::make_shared<expr::Program>(std::move(program).value());
    }
    t->tags = std::move(tags);
    t->skip = skip;
    return t;
}

}  // namespace

Templates Templates::builtin() {
    Templates out;
    for (const Default& d : k_defaults) {
        out.m_templates.push_back(std::move(make_template(d.text, "", d.state, d.type)).value());
    }
    return out;
}

Result<Templates> Templates::parse(std::string_view text, std::string_view name) {
    Templates out;
    auto walked = for_each_config_line(text, name, [&](simdjson::dom::element line) -> Result<void> {
        auto t = parse_template(line);
        if (!t) {
            return std::move(t).take_error();
        }
        out.m_templates.push_back(std::move(t).value());
        return {};
    });
    if (!walked) {
        return std::move(walked).take_error();
    }
    for (Template& t : builtin().m_templates) {
        out.m_templates.push_back(std::move(t));
    }
    return out;
}

bool Templates::render(simdjson::dom::element event, std::string& line, const Template*& used) {
    used = nullptr;
    for (Template& t : m_templates) {
        if (!matches(t, event)) {
            continue;
        }
        if (t.skip) {
            return false;
        }
        if (fill(t, event, line)) {
            used = &t;
            return true;
        }
    }
    // An event no template renders: a metric gives nothing (a timeline is of
    // happenings, not of measurements); anything else a plain line.
    if (string_of(event, "type") == "metric") {
        return false;
    }
    line.clear();
    std::string_view subject = string_of(event, "subject");
    std::string_view name = string_of(event, "name");
    append_plain(subject.empty() ? std::string_view("something") : subject, line);
    line += name.empty() ? " had an event" : ": ";
    append_plain(name, line);
    return true;
}

std::string normalise_hashtag(std::string_view text) {
    std::string out;
    bool gap = false;
    for (char c : text) {
        bool keep = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
        if (!keep) {
            gap = true;
            continue;
        }
        if (gap && !out.empty()) {
            out += '_';
        }
        gap = false;
        out += (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
    }
    while (!out.empty() && out.back() == '_') {
        out.pop_back();
    }
    std::size_t start = out.find_first_not_of('_');
    out = start == std::string::npos ? std::string() : out.substr(start);
    if (out.size() > 40) {
        out.resize(40);
    }
    return out;
}

void append_plain(std::string_view text, std::string& out, std::size_t max_bytes) {
    std::size_t written = 0;
    for (std::size_t at = 0; at < text.size();) {
        std::size_t length = utf8_sequence_length(text, at);
        if (written + std::max<std::size_t>(length, 3) > max_bytes) {
            out += "…";
            return;
        }
        if (length == 0) {
            out += "\xef\xbf\xbd";  // U+FFFD
            written += 3;
            ++at;
            continue;
        }
        if (is_hidden_control(decode(text, at, length))) {
            out += ' ';
            ++written;
        } else {
            out.append(text.substr(at, length));
            written += length;
        }
        at += length;
    }
}

}  // namespace ev::timeline
