// Tests for lib/expr/lexer.cpp: token kinds, offsets, literal decoding, errors.
#include <gtest/gtest.h>

#include "expr/lexer.h"

namespace {

using ev::expr::Token;
using ev::expr::TokenKind;

std::vector<Token> lex(std::string_view source) {
    auto tokens = ev::expr::tokenize(source);
    EXPECT_TRUE(tokens.ok()) << (tokens.ok() ? "" : tokens.error());
    return tokens.ok() ? std::move(tokens).value() : std::vector<Token>{};
}

std::vector<TokenKind> kinds(std::string_view source) {
    std::vector<TokenKind> out;
    for (const Token& t : lex(source)) {
        out.push_back(t.kind);
    }
    return out;
}

std::string first_error_line(std::string_view source) {
    auto tokens = ev::expr::tokenize(source);
    EXPECT_FALSE(tokens.ok());
    if (tokens.ok()) {
        return "";
    }
    return tokens.error().substr(0, tokens.error().find('\n'));
}

TEST(ExprLexer, Operators) {
    EXPECT_EQ(kinds("== != < <= > >= =~ !~ && || ! + - * ( ) [ ] , ."),
              (std::vector<TokenKind>{TokenKind::eq,       TokenKind::ne,       TokenKind::lt,     TokenKind::le,
                                      TokenKind::gt,       TokenKind::ge,       TokenKind::match,  TokenKind::not_match,
                                      TokenKind::and_and,  TokenKind::or_or,    TokenKind::bang,   TokenKind::plus,
                                      TokenKind::minus,    TokenKind::star,     TokenKind::lparen, TokenKind::rparen,
                                      TokenKind::lbracket, TokenKind::rbracket, TokenKind::comma,  TokenKind::dot,
                                      TokenKind::end}));
}

TEST(ExprLexer, KeywordsAndIdentifiers) {
    EXPECT_EQ(kinds("true false null and or not in x"),
              (std::vector<TokenKind>{TokenKind::kw_true, TokenKind::kw_false, TokenKind::kw_null, TokenKind::kw_and,
                                      TokenKind::kw_or, TokenKind::kw_not, TokenKind::kw_in, TokenKind::identifier,
                                      TokenKind::end}));
    // After a dot every word is a field name.
    auto tokens = lex("data.in");
    ASSERT_EQ(tokens.size(), 4u);
    EXPECT_EQ(tokens[2].kind, TokenKind::identifier);
    EXPECT_EQ(tokens[2].text, "in");
}

TEST(ExprLexer, OffsetsAndLengths) {
    auto tokens = lex("  severity >= 10");
    ASSERT_EQ(tokens.size(), 4u);
    EXPECT_EQ(tokens[0].offset, 2u);
    EXPECT_EQ(tokens[0].length, 8u);
    EXPECT_EQ(tokens[1].offset, 11u);
    EXPECT_EQ(tokens[2].offset, 14u);
    EXPECT_EQ(tokens[2].number, 10);
    EXPECT_EQ(tokens[3].offset, 16u);
}

TEST(ExprLexer, NumbersAndDurations) {
    EXPECT_EQ(lex("2.5e2")[0].number, 250);
    EXPECT_EQ(lex("30s")[0].number, 30);
    EXPECT_EQ(lex("5m")[0].number, 300);
    EXPECT_EQ(lex("2h")[0].number, 7200);
    EXPECT_EQ(lex("1d")[0].number, 86400);
    EXPECT_EQ(lex("1w")[0].number, 604800);
    EXPECT_EQ(lex("500ms")[0].number, 0.5);
    EXPECT_EQ(lex("30s")[0].length, 3u);
    EXPECT_EQ(first_error_line("5min"),
              "syntax error at offset 1: unknown duration unit 'min' (use ms, s, m, h, d or w)");
    EXPECT_EQ(first_error_line("1."), "syntax error at offset 2: expected a digit after '.'");
    EXPECT_EQ(first_error_line("1e400"), "syntax error at offset 0: number out of range");
}

TEST(ExprLexer, Strings) {
    EXPECT_EQ(lex(R"("a\"b\\c\/d\n")")[0].text, "a\"b\\c/d\n");
    EXPECT_EQ(lex(R"('it\'s "x"')")[0].text, "it's \"x\"");
    EXPECT_EQ(lex(R"("\u00e9\ud83d\ude00")")[0].text, "\xc3\xa9\xf0\x9f\x98\x80");
    EXPECT_EQ(lex("\"\xc3\xa9\"")[0].text, "\xc3\xa9");
    EXPECT_EQ(first_error_line(R"("abc)"), "syntax error at offset 0: unterminated string");
    EXPECT_EQ(first_error_line(R"("a\x")"), "syntax error at offset 2: bad escape '\\x'");
    EXPECT_EQ(first_error_line(R"("\udc00")"), "syntax error at offset 1: bad \\u escape (unpaired surrogate)");
    EXPECT_EQ(first_error_line("\"a\x01\""),
              "syntax error at offset 2: control character in string (write it as an escape)");
    EXPECT_EQ(first_error_line("\"\xff\""), "syntax error at offset 1: invalid UTF-8 in string");
    EXPECT_EQ(first_error_line("\"\xc0\xaf\""), "syntax error at offset 1: invalid UTF-8 in string");
    EXPECT_EQ(first_error_line("\"\xed\xa0\x80\""), "syntax error at offset 1: invalid UTF-8 in string");
}

TEST(ExprLexer, RegexOrDivision) {
    auto tokens = lex(R"(x =~ /a\/b\d/i)");
    ASSERT_EQ(tokens.size(), 4u);
    EXPECT_EQ(tokens[2].kind, TokenKind::regex);
    EXPECT_EQ(tokens[2].text, "a/b\\d");
    EXPECT_TRUE(tokens[2].icase);
    EXPECT_EQ(tokens[2].length, 9u);
    // After an operand a slash divides.
    EXPECT_EQ(kinds("a / 2"),
              (std::vector<TokenKind>{TokenKind::identifier, TokenKind::slash, TokenKind::number, TokenKind::end}));
    EXPECT_EQ(kinds("(a)/b"), (std::vector<TokenKind>{TokenKind::lparen, TokenKind::identifier, TokenKind::rparen,
                                                      TokenKind::slash, TokenKind::identifier, TokenKind::end}));
    EXPECT_EQ(kinds("/x/"), (std::vector<TokenKind>{TokenKind::regex, TokenKind::end}));
    EXPECT_EQ(first_error_line("x =~ /ab"), "syntax error at offset 5: unterminated regex");
    EXPECT_EQ(first_error_line("x =~ /ab/x"), "syntax error at offset 9: unknown regex flag 'x' (only 'i' exists)");
}

TEST(ExprLexer, BadCharacters) {
    EXPECT_EQ(first_error_line("a = b"), "syntax error at offset 2: unexpected '=' (did you mean '=='?)");
    EXPECT_EQ(first_error_line("a @ b"), "syntax error at offset 2: unexpected character '@'");
    EXPECT_EQ(first_error_line("a \x01"), "syntax error at offset 2: unexpected character U+0001");
    EXPECT_EQ(first_error_line("a \xff"), "syntax error at offset 2: invalid UTF-8");
    EXPECT_EQ(first_error_line("a \xc3\xa9"), "syntax error at offset 2: unexpected character '\xc3\xa9'");
}

TEST(ExprLexer, ErrorCaretCountsCharactersNotBytes) {
    EXPECT_EQ(ev::expr::format_error("\"\xc3\xa9\" == x", 7, "first"), "first\n  \"\xc3\xa9\" == x\n        ^");
    EXPECT_EQ(ev::expr::format_error("a\tb", 2, "first"), "first\n  a b\n    ^");
    auto error = ev::expr::tokenize("severity >= @");
    ASSERT_FALSE(error.ok());
    EXPECT_EQ(error.error(), "syntax error at offset 12: unexpected character '@'\n  severity >= @\n              ^");
}

}  // namespace
