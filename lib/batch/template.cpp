#include "batch/template.h"

#include <fmt/format.h>

#include <cstring>

#include "core/argv.h"
#include "core/json.h"
#include "core/path.h"

namespace ev::batch {

namespace {

// Finds the '}' closing a placeholder that starts after '{' at open; quoted
// keys (tags["a}b"]) may hold braces. Returns npos when there is none.
std::size_t find_close(std::string_view text, std::size_t open) {
    return find_outside_quotes(text, open + 1, '}');
}

}  // namespace

Result<ArgTemplate> ArgTemplate::parse(std::string_view text) {
    ArgTemplate t;
    t.m_text = std::string(text);
    std::string literal;
    auto flush_literal = [&] {
        if (!literal.empty()) {
            t.m_parts.push_back(TemplatePart{false, std::move(literal), {}});
            literal.clear();
        }
    };
    for (std::size_t i = 0; i < text.size(); ++i) {
        char c = text[i];
        if (c == '{' && i + 1 < text.size() && text[i + 1] == '{') {
            literal += '{';
            ++i;
        } else if (c == '}' && i + 1 < text.size() && text[i + 1] == '}') {
            literal += '}';
            ++i;
        } else if (c == '}') {
            return make_error(fmt::format("unmatched '}}' at offset {} (write '}}}}' for a literal brace)", i));
        } else if (c == '{') {
            std::size_t close = find_close(text, i);
            if (close == std::string_view::npos) {
                return make_error(fmt::format("unclosed '{{' at offset {} (write '{{{{' for a literal brace)", i));
            }
            std::string_view inner = text.substr(i + 1, close - i - 1);
            if (inner.empty()) {
                return make_error(fmt::format("empty placeholder '{{}}' at offset {}", i));
            }
            auto path = Path::parse(inner);
            if (!path) {
                return make_error(fmt::format("placeholder at offset {}: {}", i, path.error()));
            }
            flush_literal();
            t.m_parts.push_back(TemplatePart{true, std::string(inner), std::move(path).value()});
            t.m_has_fields = true;
            i = close;
        } else {
            literal += c;
        }
    }
    flush_literal();
    return t;
}

Result<void> ArgTemplate::render(simdjson::dom::element event, std::string& out) const {
    for (const TemplatePart& part : m_parts) {
        if (!part.is_field) {
            out += part.text;
            continue;
        }
        auto value = part.path.lookup(event);
        if (!value) {
            return make_error(fmt::format("no field '{}' for placeholder {{{}}}", part.text, part.text));
        }
        std::string_view s;
        if (value->get_string().get(s) == simdjson::SUCCESS) {
            // An argv element ends at a NUL byte; refuse rather than truncate.
            if (auto bytes = check_argv_bytes(s); !bytes) {
                return make_error(fmt::format("field '{}': {}", part.text, bytes.error()));
            }
            out += s;
        } else {
            write_canonical_nested(*value, out);
        }
    }
    return {};
}

Result<CommandTemplate> CommandTemplate::parse(const std::vector<std::string>& argv) {
    CommandTemplate c;
    if (argv.empty()) {
        return make_error("no command given after '--'");
    }
    for (std::size_t i = 0; i < argv.size(); ++i) {
        auto arg = ArgTemplate::parse(argv[i]);
        if (!arg) {
            return make_error(fmt::format("command argument {} '{}': {}", i, argv[i], arg.error()));
        }
        // Event data may fill arguments, never choose the program.
        if (i == 0 && arg->has_fields()) {
            return make_error(fmt::format(
                "the command '{}' may not hold a placeholder: event data never chooses the program", argv[0]));
        }
        c.m_args.push_back(std::move(arg).value());
    }
    return c;
}

Result<void> CommandTemplate::render(simdjson::dom::element event, std::vector<std::string>& argv) const {
    argv.resize(m_args.size());
    for (std::size_t i = 0; i < m_args.size(); ++i) {
        argv[i].clear();
        if (auto r = m_args[i].render(event, argv[i]); !r) {
            return r;
        }
    }
    return {};
}

Result<void> CommandTemplate::check_options(const std::vector<std::string>& argv) const {
    for (std::size_t i = 1; i < m_args.size() && i < argv.size(); ++i) {
        // An element that begins with literal text ("--host={subject}") keeps
        // the option the operator wrote; only a leading placeholder can start one.
        if (!m_args[i].starts_with_field()) {
            continue;
        }
        if (auto r = check_argv_value(argv[i]); !r) {
            return make_error(fmt::format("argument {} '{}': {}", i, m_args[i].text(), r.error()));
        }
    }
    return {};
}

std::string shell_quote(const std::vector<std::string>& argv) {
    std::string out;
    for (std::size_t i = 0; i < argv.size(); ++i) {
        if (i > 0) {
            out += ' ';
        }
        const std::string& a = argv[i];
        bool plain = !a.empty();
        for (char c : a) {
            bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                      std::strchr("_-./:=@,+%", c) != nullptr;
            if (!ok) {
                plain = false;
                break;
            }
        }
        if (plain) {
            out += a;
            continue;
        }
        bool control = false;
        for (char c : a) {
            auto u = static_cast<unsigned char>(c);
            control = control || u < 0x20 || u == 0x7f;
        }
        if (control) {
            // A control character would break the line (or reach the
            // terminal): bash's $'...' spells it, and reads back the same.
            out += "$'";
            for (char c : a) {
                auto u = static_cast<unsigned char>(c);
                if (c == '\\' || c == '\'') {
                    out += '\\';
                    out += c;
                } else if (c == '\n') {
                    out += "\\n";
                } else if (c == '\t') {
                    out += "\\t";
                } else if (c == '\r') {
                    out += "\\r";
                } else if (u < 0x20 || u == 0x7f) {
                    out += fmt::format("\\x{:02x}", u);
                } else {
                    out += c;
                }
            }
            out += '\'';
            continue;
        }
        out += '\'';
        for (char c : a) {
            if (c == '\'') {
                out += "'\\''";
            } else {
                out += c;
            }
        }
        out += '\'';
    }
    return out;
}

}  // namespace ev::batch
