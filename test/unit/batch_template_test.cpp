// Tests for lib/batch/template.cpp: {field} placeholders and shell quoting.
#include <gtest/gtest.h>
#include <simdjson.h>

#include "batch/template.h"

namespace ev::batch {
namespace {

simdjson::dom::element parse(simdjson::dom::parser& parser, const std::string& json) {
    return parser.parse(json).value();
}

std::string render(const std::string& tmpl, const std::string& json) {
    simdjson::dom::parser parser;
    auto t = ArgTemplate::parse(tmpl);
    EXPECT_TRUE(t.ok()) << t.error();
    std::string out;
    auto r = t->render(parse(parser, json), out);
    return r ? out : "ERROR: " + r.error();
}

TEST(BatchTemplate, LiteralsStayAsTheyAre) {
    EXPECT_EQ(render("puppet", "{}"), "puppet");
    EXPECT_EQ(render("", "{}"), "");
    EXPECT_FALSE(ArgTemplate::parse("agent").value().has_fields());
}

TEST(BatchTemplate, PlaceholdersAreFilledInPlace) {
    EXPECT_EQ(render("{subject}", R"({"subject":"web1"})"), "web1");
    EXPECT_EQ(render("--host={subject}:{tags.port}", R"({"subject":"web1","tags":{"port":"22"}})"), "--host=web1:22");
    EXPECT_EQ(render("{data.list[1]}", R"({"data":{"list":["a","b"]}})"), "b");
    EXPECT_EQ(render(R"({tags["a}b"]})", R"({"tags":{"a}b":"odd"}})"), "odd");
    EXPECT_TRUE(ArgTemplate::parse("{subject}").value().has_fields());
}

TEST(BatchTemplate, NonStringsRenderAsCanonicalJson) {
    EXPECT_EQ(render("{metric}", R"({"metric":1.50})"), "1.5");
    EXPECT_EQ(render("{ok}", R"({"ok":true})"), "true");
    EXPECT_EQ(render("{n}", R"({"n":null})"), "null");
    EXPECT_EQ(render("{tags}", R"({"tags":{"b":1,"a":2}})"), R"({"a":2,"b":1})");
    // A nested value sorts its keys by bytes: the event field order (id,
    // subject first) is for whole events only.
    EXPECT_EQ(render("{data}", R"({"data":{"subject":"s","id":"i","a":1}})"), R"({"a":1,"id":"i","subject":"s"})");
}

TEST(BatchTemplate, HostileValuesStayOneElement) {
    EXPECT_EQ(render("{subject}", R"({"subject":"a b; rm -rf / $(id) `x` 'q' \"d\""})"),
              "a b; rm -rf / $(id) `x` 'q' \"d\"");
    EXPECT_EQ(render("{subject}", R"({"subject":"line1\nline2"})"), "line1\nline2");
}

TEST(BatchTemplate, DoubledBracesAreLiteral) {
    EXPECT_EQ(render("{{print $1}}", "{}"), "{print $1}");
    EXPECT_EQ(render("{{{subject}}}", R"({"subject":"x"})"), "{x}");
}

TEST(BatchTemplate, MissingFieldAndNulAreErrors) {
    EXPECT_EQ(render("{tags.role}", R"({"tags":{}})"), "ERROR: no field 'tags.role' for placeholder {tags.role}");
    EXPECT_EQ(render("{subject}", R"({"subject":"a\u0000b"})"),
              "ERROR: field 'subject': \"a\\u0000b\" holds a NUL byte, which would cut the argument short");
}

TEST(BatchTemplate, SyntaxErrorsNameTheOffset) {
    EXPECT_EQ(ArgTemplate::parse("a{b").error(), "unclosed '{' at offset 1 (write '{{' for a literal brace)");
    EXPECT_EQ(ArgTemplate::parse("a}b").error(), "unmatched '}' at offset 1 (write '}}' for a literal brace)");
    EXPECT_EQ(ArgTemplate::parse("x{}").error(), "empty placeholder '{}' at offset 1");
    EXPECT_FALSE(ArgTemplate::parse("{a..b}").ok());
}

TEST(BatchTemplate, CommandTemplateRendersEveryElement) {
    simdjson::dom::parser parser;
    auto c = CommandTemplate::parse({"ssh", "{subject}", "puppet", "agent", "-t"});
    ASSERT_TRUE(c.ok());
    std::vector<std::string> argv;
    ASSERT_TRUE(c->render(parse(parser, R"({"subject":"web1"})"), argv).ok());
    EXPECT_EQ(argv, (std::vector<std::string>{"ssh", "web1", "puppet", "agent", "-t"}));
    EXPECT_EQ(CommandTemplate::parse({}).error(), "no command given after '--'");
    EXPECT_EQ(CommandTemplate::parse({"/opt/{name}", "x"}).error(),
              "the command '/opt/{name}' may not hold a placeholder: event data never chooses the program");
    EXPECT_EQ(CommandTemplate::parse({"echo", "{"}).error(),
              "command argument 1 '{': unclosed '{' at offset 0 (write '{{' for a literal brace)");
}

// Renders argv from event and applies the argv rules; "OK" or the error.
std::string check(const std::vector<std::string>& command, const std::string& json) {
    simdjson::dom::parser parser;
    auto c = CommandTemplate::parse(command);
    EXPECT_TRUE(c.ok()) << c.error();
    std::vector<std::string> argv;
    auto r = c->render(parse(parser, json), argv);
    EXPECT_TRUE(r.ok()) << r.error();
    auto checked = c->check_options(argv);
    return checked ? "OK" : checked.error();
}

TEST(BatchTemplate, LeadingPlaceholderValuesMayNotBeginWithADash) {
    EXPECT_EQ(
        check({"ssh", "-o", "BatchMode=yes", "{subject}", "true"}, R"({"subject":"-oProxyCommand=touch /tmp/x"})"),
        "argument 3 '{subject}': \"-oProxyCommand=touch /tmp/x\" begins with '-' and would be read as an option");
    EXPECT_EQ(check({"sort", "{subject}", "/dev/null"}, R"({"subject":"--output=/tmp/x"})"),
              "argument 1 '{subject}': \"--output=/tmp/x\" begins with '-' and would be read as an option");
    // Numbers render as JSON: -9 is an option of kill.
    EXPECT_EQ(check({"kill", "{data.pid}"}, R"({"data":{"pid":-9}})"),
              "argument 1 '{data.pid}': \"-9\" begins with '-' and would be read as an option");
    // The rendered element counts: an empty first value leaves the next one first.
    EXPECT_EQ(check({"echo", "{a}{b}"}, R"({"a":"","b":"-n"})"),
              "argument 1 '{a}{b}': \"-n\" begins with '-' and would be read as an option");
    // Control characters in the value are escaped in the message.
    EXPECT_EQ(check({"echo", "{subject}"}, R"({"subject":"-x\nforged line"})"),
              "argument 1 '{subject}': \"-x\\nforged line\" begins with '-' and would be read as an option");
}

TEST(BatchTemplate, ElementsThatBeginWithLiteralTextKeepTheirOption) {
    EXPECT_EQ(check({"ssh", "{subject}", "true"}, R"({"subject":"web1"})"), "OK");
    EXPECT_EQ(check({"tool", "--host={subject}"}, R"({"subject":"-oProxyCommand=x"})"), "OK");
    EXPECT_EQ(check({"tool", "x{subject}"}, R"({"subject":"-y"})"), "OK");
    EXPECT_EQ(check({"tool", "{subject}-suffix"}, R"({"subject":"a"})"), "OK");
    EXPECT_EQ(check({"tool", "-v", "--", "web1"}, R"({})"), "OK");  // the operator's own options
    EXPECT_EQ(check({"kill", "{data.pid}"}, R"({"data":{"pid":42}})"), "OK");
    EXPECT_TRUE(ArgTemplate::parse("{subject}").value().starts_with_field());
    EXPECT_FALSE(ArgTemplate::parse("--host={subject}").value().starts_with_field());
    EXPECT_FALSE(ArgTemplate::parse("{{{subject}").value().starts_with_field());
}

TEST(BatchTemplate, ShellQuoteIsUnambiguous) {
    EXPECT_EQ(shell_quote({"ssh", "web1.example.com", "--x=1"}), "ssh web1.example.com --x=1");
    EXPECT_EQ(shell_quote({"echo", "a b", "", "it's"}), "echo 'a b' '' 'it'\\''s'");
    EXPECT_EQ(shell_quote({"$(id)"}), "'$(id)'");
    // Control characters never break the dry-run line or reach the terminal.
    EXPECT_EQ(shell_quote({"echo", "a\nOK | x=1\x1b[2J\x01'\\"}), "echo $'a\\nOK | x=1\\x1b[2J\\x01\\'\\\\'");
}

}  // namespace
}  // namespace ev::batch
