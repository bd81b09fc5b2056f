// Lexer: turns expression source text into tokens, one at a time.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.h"

namespace ev::expr {

/// The kinds of token the expression language has.
enum class TokenKind {
    end,
    identifier,
    number,
    string,
    regex,
    kw_true,
    kw_false,
    kw_null,
    kw_and,
    kw_or,
    kw_not,
    kw_in,
    lparen,
    rparen,
    lbracket,
    rbracket,
    comma,
    dot,
    eq,
    ne,
    lt,
    le,
    gt,
    ge,
    match,
    not_match,
    and_and,
    or_or,
    bang,
    plus,
    minus,
    star,
    slash,
};

/// One token: where it is in the source and what it holds.
struct Token {
    /// What the token is.
    TokenKind kind = TokenKind::end;
    /// Byte offset of its first character in the source.
    std::size_t offset = 0;
    /// Length in bytes of its source text.
    std::size_t length = 0;
    /// Identifier name, decoded string value, or regex pattern (with `\/` turned into `/`).
    std::string text;
    /// Value of a number (durations already converted to seconds).
    double number = 0;
    /// Regex has the `i` flag.
    bool icase = false;
};

/// Reads tokens from source; a `/` starts a regex where an operand is expected, else it divides.
class Lexer {
public:
    explicit Lexer(std::string_view source) : m_source(source) {}

    /// The next token, or the formatted syntax error at the first bad character.
    Result<Token> next();

private:
    Result<Token> read_number();
    Result<Token> read_string();
    Result<Token> read_regex();
    Error error_at(std::size_t offset, std::string_view what) const;

    std::string_view m_source;
    std::size_t m_pos = 0;
    TokenKind m_previous = TokenKind::end;
};

/// All tokens of source up to and including the end token; for tests and tools.
Result<std::vector<Token>> tokenize(std::string_view source);

/// A short human name for a token kind, as used in error messages ("')'", "end of input").
std::string token_name(const Token& token);

/// The multi-line compile error: first_line, then the source and a caret under offset.
std::string format_error(std::string_view source, std::size_t offset, std::string_view first_line);

/// The standard syntax error first line: "syntax error at offset N: what", formatted with the caret.
Error syntax_error(std::string_view source, std::size_t offset, std::string_view what);

}  // namespace ev::expr
