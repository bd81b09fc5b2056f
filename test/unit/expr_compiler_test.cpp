// Tests for lib/expr/compiler.cpp: function resolution, regex precompilation,
// constant folding, collected fields, compile errors.
#include <gtest/gtest.h>
#include <simdjson.h>

#include "expr/compiler.h"
#include "expr/parser.h"

namespace {

using ev::expr::Compiled;

ev::ManualClock g_clock(1000);

ev::Result<Compiled> compile(std::string_view source) {
    auto ast = ev::expr::parse(source);
    if (!ast) {
        return std::move(ast).take_error();
    }
    return ev::expr::compile(**ast, source, g_clock);
}

std::string first_error_line(std::string_view source) {
    auto compiled = compile(source);
    EXPECT_FALSE(compiled.ok());
    return compiled.ok() ? "" : compiled.error().substr(0, compiled.error().find('\n'));
}

std::string value_json(std::string_view source, std::string_view event = "{}") {
    auto compiled = compile(source);
    EXPECT_TRUE(compiled.ok()) << (compiled.ok() ? "" : compiled.error());
    if (!compiled.ok()) {
        return "";
    }
    simdjson::dom::parser parser;
    ev::expr::Context ctx;
    ctx.event = parser.parse(event.data(), event.size()).value();
    ctx.clock = &g_clock;
    std::string out;
    ev::expr::write_json(compiled->root->eval(ctx), out);
    return out;
}

TEST(ExprCompiler, FoldsConstants) {
    EXPECT_TRUE(compile("1 + 2 * 3")->root->is_constant());
    EXPECT_TRUE(compile("-5m")->root->is_constant());
    EXPECT_TRUE(compile("lower(\"ABC\") == \"abc\"")->root->is_constant());
    EXPECT_TRUE(compile("[1, [2, \"x\"]]")->root->is_constant());
    EXPECT_TRUE(compile("\"abc\" =~ /b/")->root->is_constant());
    EXPECT_EQ(value_json("[upper(\"a\"), [lower(\"B\")]]"), "[\"A\",[\"b\"]]");
    EXPECT_FALSE(compile("now()")->root->is_constant());
    EXPECT_FALSE(compile("now() + 1")->root->is_constant());
    EXPECT_FALSE(compile("subject == 1")->root->is_constant());
    EXPECT_FALSE(compile("exists(a)")->root->is_constant());
}

TEST(ExprCompiler, NowReadsTheClockAtEvaluation) {
    auto compiled = compile("now() - 10");
    ASSERT_TRUE(compiled.ok());
    ev::expr::Context ctx;
    ctx.clock = &g_clock;
    g_clock.set(1000);
    EXPECT_EQ(compiled->root->eval(ctx).number, 990);
    g_clock.set(2000);
    EXPECT_EQ(compiled->root->eval(ctx).number, 1990);
}

TEST(ExprCompiler, CollectsFieldsOnceInOrder) {
    auto compiled = compile("subject =~ /x/ && tags.role == \"db\" || exists(ttl) || subject == tags.role");
    ASSERT_TRUE(compiled.ok());
    ASSERT_EQ(compiled->fields.size(), 3u);
    EXPECT_EQ(compiled->fields[0].to_string(), "subject");
    EXPECT_EQ(compiled->fields[1].to_string(), "tags.role");
    EXPECT_EQ(compiled->fields[2].to_string(), "ttl");
}

TEST(ExprCompiler, ResolvesFunctions) {
    EXPECT_EQ(first_error_line("nope(1)"), "unknown function 'nope' at offset 0");
    EXPECT_EQ(first_error_line("len()"), "wrong number of arguments at offset 0: len() takes 1 argument, got 0");
    EXPECT_EQ(first_error_line("x || max()"),
              "wrong number of arguments at offset 5: max() takes at least 1 argument, got 0");
    EXPECT_EQ(first_error_line("exists(1)"), "syntax error at offset 7: exists() takes a field path");
    for (const auto& f : ev::expr::builtin_functions()) {
        std::string call = std::string(f.name) + "(";
        for (std::size_t i = 0; i < f.min_args; ++i) {
            call += i == 0 ? "a" : ", a";
        }
        call += ")";
        EXPECT_TRUE(compile(call).ok()) << call;
    }
}

TEST(ExprCompiler, Regexes) {
    EXPECT_EQ(first_error_line("a =~ /[z-a]/"), "invalid regex at offset 5: invalid character class range: z-a");
    EXPECT_EQ(first_error_line("a !~ \"(\""), "invalid regex at offset 5: missing ): (");
    EXPECT_EQ(first_error_line("a =~ null"),
              "type error at offset 5: the right side of =~ must be a regex or a string");
    EXPECT_EQ(first_error_line("[/x/]"), "syntax error at offset 1: a regex literal can only follow =~ or !~");
    // A folded string pattern is compiled once, like a literal.
    EXPECT_EQ(value_json("subject =~ lower(\"WEB\")", R"({"subject":"web1"})"), "true");
    // A computed pattern is compiled at run time; an invalid one never matches.
    EXPECT_EQ(value_json("subject =~ pattern", R"({"subject":"web1","pattern":"w.b"})"), "true");
    EXPECT_EQ(value_json("subject !~ pattern", R"({"subject":"web1","pattern":"["})"), "false");
}

TEST(ExprCompiler, ErrorsCarryTheCaret) {
    auto compiled = compile("severity > 1 && frob(x)");
    ASSERT_FALSE(compiled.ok());
    EXPECT_EQ(compiled.error(), "unknown function 'frob' at offset 16\n  severity > 1 && frob(x)\n                  ^");
}

}  // namespace
