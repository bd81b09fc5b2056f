// Tests for lib/expr/parser.cpp: tree shape, precedence, paths, errors.
#include <gtest/gtest.h>

#include <string>

#include "expr/parser.h"

namespace {

std::string tree(std::string_view source) {
    auto ast = ev::expr::parse(source);
    EXPECT_TRUE(ast.ok()) << (ast.ok() ? "" : ast.error());
    return ast.ok() ? ev::expr::to_sexpr(**ast) : "";
}

std::string first_error_line(std::string_view source) {
    auto ast = ev::expr::parse(source);
    EXPECT_FALSE(ast.ok());
    return ast.ok() ? "" : ast.error().substr(0, ast.error().find('\n'));
}

TEST(ExprParser, Literals) {
    EXPECT_EQ(tree("null"), "null");
    EXPECT_EQ(tree("true"), "true");
    EXPECT_EQ(tree("1.5"), "1.5");
    EXPECT_EQ(tree("'a'"), "\"a\"");
    EXPECT_EQ(tree("[1, \"b\", [null]]"), "(list 1 \"b\" (list null))");
    EXPECT_EQ(tree("[]"), "(list)");
    EXPECT_EQ(tree("5m"), "300");
}

TEST(ExprParser, Paths) {
    EXPECT_EQ(tree("subject"), "subject");
    EXPECT_EQ(tree("data.changes[0].to"), "data.changes[0].to");
    EXPECT_EQ(tree("tags[\"odd key\"]"), "tags[\"odd key\"]");
    EXPECT_EQ(tree("tags['role']"), "tags.role");
    EXPECT_EQ(tree("data.in.not"), "data.in.not");
    auto ast = ev::expr::parse("a.b[2]");
    ASSERT_TRUE(ast.ok());
    ASSERT_EQ((*ast)->path.steps().size(), 3u);
    EXPECT_EQ((*ast)->path.steps()[2].index, 2u);
}

TEST(ExprParser, Precedence) {
    EXPECT_EQ(tree("a || b && c"), "(|| a (&& b c))");
    EXPECT_EQ(tree("a or b and c"), "(|| a (&& b c))");
    EXPECT_EQ(tree("!a && b"), "(&& (! a) b)");
    EXPECT_EQ(tree("!a == b"), "(! (== a b))");
    EXPECT_EQ(tree("not a in [1]"), "(! (in a (list 1)))");
    EXPECT_EQ(tree("a + b * c == d"), "(== (+ a (* b c)) d)");
    EXPECT_EQ(tree("-a * b"), "(* (- a) b)");
    EXPECT_EQ(tree("a - b - c"), "(- (- a b) c)");
    EXPECT_EQ(tree("a / b / c"), "(/ (/ a b) c)");
    EXPECT_EQ(tree("(a || b) && c"), "(&& (|| a b) c)");
    EXPECT_EQ(tree("a =~ /x/i && b !~ \"y\""), "(&& (=~ a /x/i) (!~ b \"y\"))");
    EXPECT_EQ(tree("a && b && c"), "(&& (&& a b) c)");
}

TEST(ExprParser, Calls) {
    EXPECT_EQ(tree("now()"), "(call now)");
    EXPECT_EQ(tree("lower(subject) == \"x\""), "(== (call lower subject) \"x\")");
    EXPECT_EQ(tree("coalesce(a, b, 1)"), "(call coalesce a b 1)");
    auto ast = ev::expr::parse("x || foo(1)");
    ASSERT_TRUE(ast.ok());
    EXPECT_EQ((*ast)->children[1]->offset, 5u);
}

TEST(ExprParser, Errors) {
    EXPECT_EQ(first_error_line("severity >="), "syntax error at offset 11: expected an operand");
    EXPECT_EQ(first_error_line("a b"), "syntax error at offset 2: expected an operator but found 'b'");
    EXPECT_EQ(first_error_line("(a"), "syntax error at offset 2: expected ')' but found end of input");
    EXPECT_EQ(first_error_line("a < b < c"),
              "syntax error at offset 6: comparisons do not chain; use parentheses or &&");
    EXPECT_EQ(first_error_line("a."),
              "syntax error at offset 2: expected a field name after '.' but found end of input");
    EXPECT_EQ(first_error_line("a[-1]"), "syntax error at offset 2: expected an index or a quoted key but found '-'");
    EXPECT_EQ(first_error_line("f(1,"), "syntax error at offset 4: expected an operand");
    EXPECT_EQ(first_error_line("[1;"), "syntax error at offset 2: unexpected character ';'");
}

TEST(ExprParser, ErrorHasCaret) {
    auto ast = ev::expr::parse("subject == ");
    ASSERT_FALSE(ast.ok());
    EXPECT_EQ(ast.error(), "syntax error at offset 11: expected an operand\n  subject == \n             ^");
}

TEST(ExprParser, DepthIsBounded) {
    std::string deep(1000, '(');
    EXPECT_EQ(first_error_line(deep + "1"), "syntax error at offset 128: expression nested too deeply");
    std::string bangs(1000, '!');
    EXPECT_FALSE(ev::expr::parse(bangs + "1").ok());
    std::string chain = "a";
    for (int i = 0; i < 2000; ++i) {
        chain += " + a";
    }
    EXPECT_EQ(first_error_line(chain).rfind("syntax error at offset", 0), 0u);
    std::string ok_chain = "a";
    for (int i = 0; i < 500; ++i) {
        ok_chain += " || a";
    }
    EXPECT_TRUE(ev::expr::parse(ok_chain).ok());
}

}  // namespace
