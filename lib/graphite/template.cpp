#include "graphite/template.h"

#include <fmt/format.h>

#include <array>

#include "core/json.h"

namespace ev::graphite {

void PathBuilder::append(std::string_view text, bool dots_separate) {
    if (!dots_separate) {
        append_part(text);
        return;
    }
    for (std::size_t start = 0;;) {
        std::size_t dot = text.find('.', start);
        std::string_view part = text.substr(start, dot == std::string_view::npos ? dot : dot - start);
        append_part(part == "/" ? std::string_view("root") : part);
        if (dot == std::string_view::npos) {
            return;
        }
        separate();
        start = dot + 1;
    }
}

void PathBuilder::append_part(std::string_view text) {
    m_in_utf8 = false;
    const char* p = text.data();
    const char* end = p + text.size();
    while (p < end) {
        // Most paths are plain: copy a run of allowed bytes at once.
        const char* run = p;
        while (run < end && k_part_bytes[static_cast<unsigned char>(*run)]) {
            ++run;
        }
        if (run > p) {
            if (m_pending_dot) {
                m_out += '.';
                m_pending_dot = false;
            }
            m_out.append(p, static_cast<std::size_t>(run - p));
            m_in_utf8 = false;
            p = run;
            continue;
        }
        auto c = static_cast<unsigned char>(*p++);
        if ((c & 0xC0) == 0x80 && m_in_utf8) {
            continue;  // the rest of a character already written as '_'
        }
        m_in_utf8 = c >= 0xC0;
        if (m_pending_dot) {
            m_out += '.';
            m_pending_dot = false;
        }
        m_out += '_';
    }
}

Result<PathTemplate> PathTemplate::parse(std::string_view text) {
    PathTemplate result;
    std::size_t i = 0;
    std::string literal;
    while (i < text.size()) {
        char c = text[i];
        if (c == '}') {
            return make_error(fmt::format("path template: unexpected '}}' at offset {}", i));
        }
        if (c != '{') {
            literal += c;
            ++i;
            continue;
        }
        std::size_t close = text.find('}', i + 1);
        if (close == std::string_view::npos) {
            return make_error(fmt::format("path template: unclosed '{{' at offset {}", i));
        }
        std::string_view inner = text.substr(i + 1, close - i - 1);
        if (inner.empty()) {
            return make_error(fmt::format("path template: empty field at offset {}", i));
        }
        if (inner.find('{') != std::string_view::npos) {
            return make_error(fmt::format("path template: '{{' inside a field at offset {}", i + 1 + inner.find('{')));
        }
        auto path = Path::parse(inner);
        if (!path) {
            return make_error(fmt::format("path template: field at offset {}: {}", i, path.error()));
        }
        if (!literal.empty()) {
            result.m_pieces.push_back(Piece{std::move(literal), {}, false, false});
            literal.clear();
        }
        Piece piece;
        piece.is_field = true;
        piece.is_subject = path->steps().size() == 1 && path->steps()[0].kind == PathStep::Kind::key &&
                           path->steps()[0].key == "subject";
        piece.field = std::move(path).value();
        result.m_pieces.push_back(std::move(piece));
        i = close + 1;
    }
    if (!literal.empty()) {
        result.m_pieces.push_back(Piece{std::move(literal), {}, false, false});
    }
    if (result.m_pieces.empty()) {
        return make_error("path template is empty");
    }
    return result;
}

std::string_view PathTemplate::render(simdjson::dom::element event, std::string_view prefix, SubjectDots dots,
                                      std::string& out) const {
    PathBuilder builder(out);
    if (!prefix.empty()) {
        builder.append(prefix, true);
        builder.separate();
    }
    std::string number;
    for (const Piece& piece : m_pieces) {
        if (!piece.is_field) {
            builder.append(piece.literal, true);
            continue;
        }
        auto value = piece.field.lookup(event);
        if (!value) {
            m_reason = fmt::format("no field {} for the path", piece.field.to_string());
            return m_reason;
        }
        std::string_view text;
        switch (value->type()) {
            case simdjson::dom::element_type::STRING:
                text = value->get_string().value_unsafe();
                break;
            case simdjson::dom::element_type::INT64:
                number = fmt::format("{}", value->get_int64().value_unsafe());
                text = number;
                break;
            case simdjson::dom::element_type::UINT64:
                number = fmt::format("{}", value->get_uint64().value_unsafe());
                text = number;
                break;
            case simdjson::dom::element_type::DOUBLE:
                number.clear();
                write_number(value->get_double().value_unsafe(), number);
                text = number;
                break;
            case simdjson::dom::element_type::BOOL:
                text = value->get_bool().value_unsafe() ? "true" : "false";
                break;
            default:
                m_reason = fmt::format("field {} is not a string or number", piece.field.to_string());
                return m_reason;
        }
        if (!piece.is_subject) {
            builder.append(text, true);
        } else if (dots == SubjectDots::replace) {
            builder.append(text, false);
        } else {
            // Reversed: the labels in reverse order, each its own part.
            std::size_t end = text.size();
            bool first = true;
            for (;;) {
                std::size_t dot = end == 0 ? std::string_view::npos : text.rfind('.', end - 1);
                std::size_t begin = dot == std::string_view::npos ? 0 : dot + 1;
                if (!first) {
                    builder.separate();
                }
                first = false;
                builder.append(text.substr(begin, end - begin), false);
                if (dot == std::string_view::npos) {
                    break;
                }
                end = dot;
            }
        }
    }
    if (out.empty()) {
        m_reason = "the path is empty";
        return m_reason;
    }
    return {};
}

}  // namespace ev::graphite
