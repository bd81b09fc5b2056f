#include "expr/lexer.h"

#include "core/utf8.h"

#include <fmt/format.h>

#include <charconv>
#include <cmath>
#include <cstdint>

namespace ev::expr {

namespace {

bool is_digit(char c) {
    return c >= '0' && c <= '9';
}
bool is_ident_start(char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
}
bool is_ident_char(char c) {
    return is_ident_start(c) || is_digit(c);
}

// Four hex digits at s[pos..pos+4), or -1.
long read_hex4(std::string_view s, std::size_t pos) {
    if (pos + 4 > s.size()) {
        return -1;
    }
    long v = 0;
    for (std::size_t i = pos; i < pos + 4; ++i) {
        char c = s[i];
        int d = 0;
        if (c >= '0' && c <= '9') {
            d = c - '0';
        } else if (c >= 'a' && c <= 'f') {
            d = c - 'a' + 10;
        } else if (c >= 'A' && c <= 'F') {
            d = c - 'A' + 10;
        } else {
            return -1;
        }
        v = v * 16 + d;
    }
    return v;
}

// True when a token of this kind ends an operand, so a following '/' divides.
bool ends_operand(TokenKind kind) {
    switch (kind) {
        case TokenKind::identifier:
        case TokenKind::number:
        case TokenKind::string:
        case TokenKind::regex:
        case TokenKind::kw_true:
        case TokenKind::kw_false:
        case TokenKind::kw_null:
        case TokenKind::rparen:
        case TokenKind::rbracket:
            return true;
        default:
            return false;
    }
}

// Seconds per duration unit, or 0 for an unknown unit.
double unit_seconds(std::string_view unit) {
    if (unit == "ms") {
        return 0.001;
    }
    if (unit == "s") {
        return 1;
    }
    if (unit == "m") {
        return 60;
    }
    if (unit == "h") {
        return 3600;
    }
    if (unit == "d") {
        return 86400;
    }
    if (unit == "w") {
        return 604800;
    }
    return 0;
}

}  // namespace

std::string format_error(std::string_view source, std::size_t offset, std::string_view first_line) {
    std::string out(first_line);
    out += "\n  ";
    std::size_t columns = 0;
    for (std::size_t i = 0; i < source.size(); ++i) {
        unsigned char c = static_cast<unsigned char>(source[i]);
        // Control characters would break the caret line up; show them as spaces.
        out += c < 0x20 || c == 0x7F ? ' ' : static_cast<char>(c);
        if (i < offset && (c & 0xC0) != 0x80) {
            ++columns;
        }
    }
    out += "\n  ";
    out.append(columns, ' ');
    out += '^';
    return out;
}

Error syntax_error(std::string_view source, std::size_t offset, std::string_view what) {
    return make_error(format_error(source, offset, fmt::format("syntax error at offset {}: {}", offset, what)));
}

Error Lexer::error_at(std::size_t offset, std::string_view what) const {
    return syntax_error(m_source, offset, what);
}

std::string token_name(const Token& token) {
    switch (token.kind) {
        case TokenKind::end:
            return "end of input";
        case TokenKind::identifier:
            return fmt::format("'{}'", token.text);
        case TokenKind::number:
            return "a number";
        case TokenKind::string:
            return "a string";
        case TokenKind::regex:
            return "a regex";
        default:
            break;
    }
    static constexpr const char* k_names[] = {
        "",     "",     "",     "",     "",     "'true'", "'false'", "'null'", "'and'", "'or'", "'not'",
        "'in'", "'('",  "')'",  "'['",  "']'",  "','",    "'.'",     "'=='",   "'!='",  "'<'",  "'<='",
        "'>'",  "'>='", "'=~'", "'!~'", "'&&'", "'||'",   "'!'",     "'+'",    "'-'",   "'*'",  "'/'"};
    return k_names[static_cast<int>(token.kind)];
}

Result<Token> Lexer::next() {
    while (m_pos < m_source.size() &&
           (m_source[m_pos] == ' ' || m_source[m_pos] == '\t' || m_source[m_pos] == '\n' || m_source[m_pos] == '\r')) {
        ++m_pos;
    }
    Token token;
    token.offset = m_pos;
    if (m_pos >= m_source.size()) {
        m_previous = TokenKind::end;
        return token;
    }
    char c = m_source[m_pos];
    auto two = [&](char second) { return m_pos + 1 < m_source.size() && m_source[m_pos + 1] == second; };
    auto emit = [&](TokenKind kind, std::size_t length) {
        token.kind = kind;
        token.length = length;
        m_pos += length;
        m_previous = kind;
        return Result<Token>(std::move(token));
    };

    if (is_digit(c)) {
        return read_number();
    }
    if (c == '"' || c == '\'') {
        return read_string();
    }
    if (c == '/' && !ends_operand(m_previous)) {
        return read_regex();
    }
    if (is_ident_start(c)) {
        std::size_t start = m_pos;
        while (m_pos < m_source.size() && is_ident_char(m_source[m_pos])) {
            ++m_pos;
        }
        token.text = std::string(m_source.substr(start, m_pos - start));
        token.length = m_pos - start;
        token.kind = TokenKind::identifier;
        // After a dot every word is a field name, so tags.in and data.null work.
        if (m_previous != TokenKind::dot) {
            if (token.text == "true") {
                token.kind = TokenKind::kw_true;
            } else if (token.text == "false") {
                token.kind = TokenKind::kw_false;
            } else if (token.text == "null") {
                token.kind = TokenKind::kw_null;
            } else if (token.text == "and") {
                token.kind = TokenKind::kw_and;
            } else if (token.text == "or") {
                token.kind = TokenKind::kw_or;
            } else if (token.text == "not") {
                token.kind = TokenKind::kw_not;
            } else if (token.text == "in") {
                token.kind = TokenKind::kw_in;
            }
        }
        m_previous = token.kind;
        return token;
    }
    switch (c) {
        case '(':
            return emit(TokenKind::lparen, 1);
        case ')':
            return emit(TokenKind::rparen, 1);
        case '[':
            return emit(TokenKind::lbracket, 1);
        case ']':
            return emit(TokenKind::rbracket, 1);
        case ',':
            return emit(TokenKind::comma, 1);
        case '.':
            return emit(TokenKind::dot, 1);
        case '+':
            return emit(TokenKind::plus, 1);
        case '-':
            return emit(TokenKind::minus, 1);
        case '*':
            return emit(TokenKind::star, 1);
        case '/':
            return emit(TokenKind::slash, 1);
        case '=':
            if (two('=')) {
                return emit(TokenKind::eq, 2);
            }
            if (two('~')) {
                return emit(TokenKind::match, 2);
            }
            return error_at(m_pos, "unexpected '=' (did you mean '=='?)");
        case '!':
            if (two('=')) {
                return emit(TokenKind::ne, 2);
            }
            if (two('~')) {
                return emit(TokenKind::not_match, 2);
            }
            return emit(TokenKind::bang, 1);
        case '<':
            return two('=') ? emit(TokenKind::le, 2) : emit(TokenKind::lt, 1);
        case '>':
            return two('=') ? emit(TokenKind::ge, 2) : emit(TokenKind::gt, 1);
        case '&':
            if (two('&')) {
                return emit(TokenKind::and_and, 2);
            }
            return error_at(m_pos, "unexpected '&' (did you mean '&&'?)");
        case '|':
            if (two('|')) {
                return emit(TokenKind::or_or, 2);
            }
            return error_at(m_pos, "unexpected '|' (did you mean '||'?)");
        default:
            break;
    }
    std::size_t n = utf8_sequence_length(m_source, m_pos);
    if (n == 0) {
        return error_at(m_pos, "invalid UTF-8");
    }
    unsigned char u = static_cast<unsigned char>(c);
    if (u < 0x20 || u == 0x7F) {
        return error_at(m_pos, fmt::format("unexpected character U+{:04X}", static_cast<unsigned>(u)));
    }
    return error_at(m_pos, fmt::format("unexpected character '{}'", m_source.substr(m_pos, n)));
}

Result<Token> Lexer::read_number() {
    Token token;
    token.kind = TokenKind::number;
    token.offset = m_pos;
    std::size_t start = m_pos;
    auto digits = [&] {
        while (m_pos < m_source.size() && is_digit(m_source[m_pos])) {
            ++m_pos;
        }
    };
    digits();
    if (m_pos < m_source.size() && m_source[m_pos] == '.') {
        ++m_pos;
        if (m_pos >= m_source.size() || !is_digit(m_source[m_pos])) {
            return error_at(m_pos, "expected a digit after '.'");
        }
        digits();
    }
    if (m_pos < m_source.size() && (m_source[m_pos] == 'e' || m_source[m_pos] == 'E')) {
        std::size_t p = m_pos + 1;
        if (p < m_source.size() && (m_source[p] == '+' || m_source[p] == '-')) {
            ++p;
        }
        if (p < m_source.size() && is_digit(m_source[p])) {
            m_pos = p;
            digits();
        }
    }
    double value = 0;
    auto [ptr, ec] = std::from_chars(m_source.data() + start, m_source.data() + m_pos, value);
    if (ec != std::errc() || !std::isfinite(value)) {
        return error_at(start, "number out of range");
    }
    if (m_pos < m_source.size() && is_ident_char(m_source[m_pos])) {
        std::size_t unit_start = m_pos;
        while (m_pos < m_source.size() && is_ident_char(m_source[m_pos])) {
            ++m_pos;
        }
        std::string_view unit = m_source.substr(unit_start, m_pos - unit_start);
        double scale = unit_seconds(unit);
        if (scale == 0) {
            return error_at(unit_start, fmt::format("unknown duration unit '{}' (use ms, s, m, h, d or w)", unit));
        }
        value *= scale;
        if (!std::isfinite(value)) {
            return error_at(start, "number out of range");
        }
    }
    token.number = value;
    token.length = m_pos - start;
    m_previous = TokenKind::number;
    return token;
}

Result<Token> Lexer::read_string() {
    Token token;
    token.kind = TokenKind::string;
    token.offset = m_pos;
    char quote = m_source[m_pos];
    std::size_t start = m_pos;
    ++m_pos;
    while (true) {
        if (m_pos >= m_source.size()) {
            return error_at(start, "unterminated string");
        }
        char c = m_source[m_pos];
        if (c == quote) {
            ++m_pos;
            break;
        }
        unsigned char u = static_cast<unsigned char>(c);
        if (u < 0x20) {
            return error_at(m_pos, "control character in string (write it as an escape)");
        }
        if (c != '\\') {
            std::size_t n = utf8_sequence_length(m_source, m_pos);
            if (n == 0) {
                return error_at(m_pos, "invalid UTF-8 in string");
            }
            token.text.append(m_source.substr(m_pos, n));
            m_pos += n;
            continue;
        }
        std::size_t escape = m_pos;
        if (m_pos + 1 >= m_source.size()) {
            return error_at(start, "unterminated string");
        }
        char e = m_source[m_pos + 1];
        m_pos += 2;
        switch (e) {
            case '"':
            case '\'':
            case '\\':
            case '/':
                token.text += e;
                break;
            case 'b':
                token.text += '\b';
                break;
            case 'f':
                token.text += '\f';
                break;
            case 'n':
                token.text += '\n';
                break;
            case 'r':
                token.text += '\r';
                break;
            case 't':
                token.text += '\t';
                break;
            case 'u': {
                long cp = read_hex4(m_source, m_pos);
                if (cp < 0) {
                    return error_at(escape, "bad \\u escape (expected 4 hex digits)");
                }
                m_pos += 4;
                if (cp >= 0xD800 && cp <= 0xDBFF) {
                    long low = -1;
                    if (m_pos + 1 < m_source.size() && m_source[m_pos] == '\\' && m_source[m_pos + 1] == 'u') {
                        low = read_hex4(m_source, m_pos + 2);
                    }
                    if (low < 0xDC00 || low > 0xDFFF) {
                        return error_at(escape, "bad \\u escape (unpaired surrogate)");
                    }
                    m_pos += 6;
                    cp = 0x10000 + ((cp - 0xD800) << 10) + (low - 0xDC00);
                } else if (cp >= 0xDC00 && cp <= 0xDFFF) {
                    return error_at(escape, "bad \\u escape (unpaired surrogate)");
                }
                append_utf8(static_cast<std::uint32_t>(cp), token.text);
                break;
            }
            default: {
                std::size_t n = utf8_sequence_length(m_source, m_pos - 1);
                std::string_view shown = n == 0 ? std::string_view("?") : m_source.substr(m_pos - 1, n);
                return error_at(escape, fmt::format("bad escape '\\{}'", shown));
            }
        }
    }
    token.length = m_pos - start;
    m_previous = TokenKind::string;
    return token;
}

Result<Token> Lexer::read_regex() {
    Token token;
    token.kind = TokenKind::regex;
    token.offset = m_pos;
    std::size_t start = m_pos;
    ++m_pos;
    while (true) {
        if (m_pos >= m_source.size()) {
            return error_at(start, "unterminated regex");
        }
        char c = m_source[m_pos];
        if (c == '/') {
            ++m_pos;
            break;
        }
        if (c == '\\' && m_pos + 1 < m_source.size()) {
            // \/ is a slash; every other escape goes to RE2 unchanged.
            if (m_source[m_pos + 1] != '/') {
                token.text += '\\';
            }
            token.text += m_source[m_pos + 1];
            m_pos += 2;
            continue;
        }
        std::size_t n = utf8_sequence_length(m_source, m_pos);
        if (n == 0) {
            return error_at(m_pos, "invalid UTF-8 in regex");
        }
        token.text.append(m_source.substr(m_pos, n));
        m_pos += n;
    }
    while (m_pos < m_source.size() && is_ident_char(m_source[m_pos])) {
        if (m_source[m_pos] != 'i') {
            return error_at(m_pos, fmt::format("unknown regex flag '{}' (only 'i' exists)", m_source[m_pos]));
        }
        token.icase = true;
        ++m_pos;
    }
    token.length = m_pos - start;
    m_previous = TokenKind::regex;
    return token;
}

Result<std::vector<Token>> tokenize(std::string_view source) {
    Lexer lexer(source);
    std::vector<Token> tokens;
    while (true) {
        auto token = lexer.next();
        if (!token) {
            return std::move(token).take_error();
        }
        bool done = token->kind == TokenKind::end;
        tokens.push_back(std::move(token).value());
        if (done) {
            return tokens;
        }
    }
}

}  // namespace ev::expr
