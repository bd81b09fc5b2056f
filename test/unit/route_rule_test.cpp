// Tests for lib/route/rule.cpp: the rules file syntax.
#include <gtest/gtest.h>

#include "route/rule.h"

namespace ev::route {
namespace {

std::vector<Rule> parse_ok(std::string_view text) {
    auto rules = parse_rules(text, "t.rules");
    EXPECT_TRUE(rules.ok()) << (rules.ok() ? "" : rules.error());
    return rules.ok() ? std::move(rules).value() : std::vector<Rule>{};
}

std::string parse_error(std::string_view text) {
    auto rules = parse_rules(text, "t.rules");
    EXPECT_FALSE(rules.ok());
    return rules.ok() ? "" : rules.error();
}

TEST(RouteRule, OneLineRule) {
    auto rules = parse_ok("rule alerts when type == \"alert\" -> file alerts.ndjson\n");
    ASSERT_EQ(rules.size(), 1u);
    EXPECT_EQ(rules[0].name, "alerts");
    EXPECT_EQ(rules[0].expression, "type == \"alert\"");
    ASSERT_TRUE(rules[0].program.has_value());
    ASSERT_EQ(rules[0].destinations.size(), 1u);
    EXPECT_EQ(rules[0].destinations[0].kind, DestKind::file);
    EXPECT_EQ(rules[0].destinations[0].path, "alerts.ndjson");
    EXPECT_FALSE(rules[0].keep_going);
    EXPECT_EQ(rules[0].policy, Policy::block);
    EXPECT_EQ(rules[0].origin, "t.rules:1");
}

TEST(RouteRule, WithoutWhenMatchesEverything) {
    auto rules = parse_ok("rule all -> stdout");
    ASSERT_EQ(rules.size(), 1u);
    EXPECT_FALSE(rules[0].program.has_value());
    EXPECT_EQ(rules[0].destinations[0].kind, DestKind::stdout_);
}

TEST(RouteRule, SeveralDestinationsAndOptions) {
    auto rules = parse_ok(
        "rule r when severity >= 2 -> file a, consumer pager --team 'on call', callback ./hook \"x,y\", drop "
        "policy spill continue");
    ASSERT_EQ(rules.size(), 1u);
    const Rule& r = rules[0];
    ASSERT_EQ(r.destinations.size(), 4u);
    EXPECT_EQ(r.destinations[1].kind, DestKind::consumer);
    EXPECT_EQ(r.destinations[1].argv, (std::vector<std::string>{"pager", "--team", "on call"}));
    EXPECT_EQ(r.destinations[2].argv, (std::vector<std::string>{"./hook", "x,y"}));
    EXPECT_EQ(r.destinations[3].kind, DestKind::drop);
    EXPECT_TRUE(r.keep_going);
    EXPECT_EQ(r.policy, Policy::spill);
}

TEST(RouteRule, QuotedKeywordsAreArguments) {
    auto rules = parse_ok("rule r -> consumer tool 'continue' policy drop");
    ASSERT_EQ(rules.size(), 1u);
    EXPECT_EQ(rules[0].destinations[0].argv, (std::vector<std::string>{"tool", "continue"}));
    EXPECT_FALSE(rules[0].keep_going);
    EXPECT_EQ(rules[0].policy, Policy::drop);
}

TEST(RouteRule, ArrowInsideStringsAndRegexesIsNotTheArrow) {
    auto rules = parse_ok("rule r when message == \"a -> b\" or subject =~ /x->y/ -> file out");
    ASSERT_EQ(rules.size(), 1u);
    EXPECT_EQ(rules[0].expression, "message == \"a -> b\" or subject =~ /x->y/");
}

TEST(RouteRule, ContinuationLinesAndComments) {
    auto rules = parse_ok(
        "# heading\n"
        "\n"
        "rule web_started\n"
        "    when name == \"Service[httpd]\"\n"
        "     and tags.role == \"frontend_web\"\n"
        "  # a comment inside\n"
        "    -> callback /usr/local/bin/lb-add\n"
        "rule rest -> drop\n");
    ASSERT_EQ(rules.size(), 2u);
    EXPECT_EQ(rules[0].name, "web_started");
    EXPECT_EQ(rules[0].origin, "t.rules:3");
    EXPECT_EQ(rules[1].origin, "t.rules:8");
}

TEST(RouteRule, ExpressionErrorPointsIntoTheFile) {
    EXPECT_EQ(parse_error("rule ok -> stdout\nrule b when type == = 1 -> stdout\n"),
              "t.rules:2:21: syntax error: unexpected '=' (did you mean '=='?)\n"
              "  rule b when type == = 1 -> stdout\n"
              "                      ^");
}

TEST(RouteRule, ErrorOnContinuationLine) {
    EXPECT_EQ(parse_error("rule b when a\n  and ==\n  -> stdout\n"),
              "t.rules:2:7: syntax error: expected an operand but found '=='\n"
              "    and ==\n"
              "        ^");
}

TEST(RouteRule, StructuralErrors) {
    EXPECT_EQ(parse_error("route x -> stdout"),
              "t.rules:1:1: expected 'rule NAME when EXPR -> DESTINATION'\n  route x -> stdout\n  ^");
    EXPECT_EQ(parse_error("  rule x -> stdout"),
              "t.rules:1:3: a continuation line (indented) needs a rule above it\n    rule x -> stdout\n    ^");
    EXPECT_EQ(parse_error("rule x"),
              "t.rules:1:7: expected 'when EXPR ->' or '->' after the rule name\n  rule x\n        ^");
    EXPECT_EQ(parse_error("rule x ->"),
              "t.rules:1:10: expected a destination (file, fifo, stdout, consumer, callback, drop or kafka:TOPIC)\n  "
              "rule x ->\n    "
              "       ^");
    EXPECT_EQ(parse_error("rule x -> file a,, stdout"),
              "t.rules:1:18: expected a destination (file, fifo, stdout, consumer, callback, drop or kafka:TOPIC)\n"
              "  rule x -> file a,, stdout\n                   ^");
    EXPECT_EQ(parse_error("rule x -> consumer"),
              "t.rules:1:11: 'consumer' needs a command\n  rule x -> consumer\n            ^");
    EXPECT_EQ(parse_error("rule x -> stdout now"),
              "t.rules:1:18: 'stdout' takes no arguments (separate destinations with ',')\n"
              "  rule x -> stdout now\n                   ^");
    EXPECT_EQ(parse_error("rule x -> callback 'unterminated"),
              "t.rules:1:20: unterminated ' quote\n  rule x -> callback 'unterminated\n                     ^");
    EXPECT_EQ(parse_error("rule x -> stdout\nrule x -> drop"),
              "t.rules:2:6: rule 'x' is defined twice\n  rule x -> drop\n       ^");
}

TEST(RouteRule, NulBytesAreRejectedWhereTheyAre) {
    using namespace std::string_literals;
    // Once, "file alerts\0.ndjson" opened "alerts": the path was cut silently.
    EXPECT_EQ(parse_error("rule ok -> stdout\nrule x -> file alerts\0.ndjson\n"s),
              "t.rules:2:22: a NUL byte is not allowed in rules\n"
              "  rule x -> file alerts .ndjson\n"
              "                       ^");
    EXPECT_EQ(parse_error("rule x -> consumer ./pager '--to\0ops'\n"s),
              "t.rules:1:33: a NUL byte is not allowed in rules\n"
              "  rule x -> consumer ./pager '--to ops'\n"
              "                                  ^");
    EXPECT_EQ(parse_error("rule x when subject == \"a\0\" -> stdout"s),
              "t.rules:1:26: a NUL byte is not allowed in rules\n"
              "  rule x when subject == \"a \" -> stdout\n"
              "                           ^");
    EXPECT_EQ(parse_error("# comment \0\nrule x -> stdout"s),
              "t.rules:1:11: a NUL byte is not allowed in rules\n"
              "  # comment  \n"
              "            ^");
    EXPECT_EQ(parse_destination("file a\0b"s).error(), "'file a\0b': a NUL byte is not allowed in a destination"s);
    EXPECT_EQ(parse_destination("callback ./hook \"x\0\""s).error(),
              "'callback ./hook \"x\0\"': a NUL byte is not allowed in a destination"s);
}

TEST(RouteRule, ParseDestination) {
    auto spec = parse_destination("file 'rest of.ndjson'");
    ASSERT_TRUE(spec.ok());
    EXPECT_EQ(spec->kind, DestKind::file);
    EXPECT_EQ(spec->path, "rest of.ndjson");
    EXPECT_EQ(spec->label(), "file 'rest of.ndjson'");
    EXPECT_FALSE(parse_destination("file a, file b").ok());
    EXPECT_EQ(parse_destination("nowhere").error(),
              "'nowhere': unknown destination 'nowhere' (expected file, fifo, stdout, consumer, callback, drop or "
              "kafka:TOPIC)");
}

TEST(RouteRule, LabelsNameDestinations) {
    auto rules = parse_ok(
        "rule m -> consumer graphite: evgraphite -d carbon:2003, file archive: /var/log/a.ndjson, "
        "callback hook: ./hook x:, file plain:\n");
    ASSERT_EQ(rules.size(), 1u);
    const auto& d = rules[0].destinations;
    ASSERT_EQ(d.size(), 4u);
    EXPECT_EQ(d[0].name, "graphite");
    EXPECT_EQ(d[0].argv, (std::vector<std::string>{"evgraphite", "-d", "carbon:2003"}));
    EXPECT_EQ(d[0].label(), "graphite");
    EXPECT_EQ(d[0].text(), "consumer graphite: evgraphite -d carbon:2003");
    EXPECT_EQ(d[1].label(), "archive");
    EXPECT_EQ(d[1].path, "/var/log/a.ndjson");
    EXPECT_EQ(d[2].name, "hook");
    EXPECT_EQ(d[2].argv, (std::vector<std::string>{"./hook", "x:"}));
    // One word after the kind is the path itself, not a label.
    EXPECT_EQ(d[3].name, "");
    EXPECT_EQ(d[3].path, "plain:");
    EXPECT_EQ(d[3].label(), "file 'plain:'");
    // A quoted word is never a label; a label is part of the key.
    auto quoted = parse_destination("consumer 'x:' y");
    ASSERT_TRUE(quoted.ok());
    EXPECT_EQ(quoted->name, "");
    EXPECT_EQ(quoted->argv, (std::vector<std::string>{"x:", "y"}));
    EXPECT_NE(parse_destination("consumer a: ./x")->key(), parse_destination("consumer ./x")->key());
    for (const DestSpec& spec : d) {
        EXPECT_EQ(parse_destination(spec.text())->key(), spec.key()) << spec.text();
    }
}

TEST(RouteRule, ConsumerOutputGoesWhereTheRuleSays) {
    auto rules = parse_ok("rule e -> consumer enrich: ./enrich --x | stdout, consumer ./b | file 'out put' continue\n");
    ASSERT_EQ(rules.size(), 1u);
    const auto& d = rules[0].destinations;
    ASSERT_EQ(d.size(), 2u);
    EXPECT_TRUE(rules[0].keep_going);
    EXPECT_EQ(d[0].argv, (std::vector<std::string>{"./enrich", "--x"}));
    EXPECT_EQ(d[0].output.kind, DestKind::stdout_);
    EXPECT_EQ(d[1].output.kind, DestKind::file);
    EXPECT_EQ(d[1].output.path, "out put");
    EXPECT_EQ(d[1].text(), "consumer ./b | file 'out put'");
    EXPECT_EQ(d[1].output_destination().key(), parse_destination("file 'out put'")->key());
    EXPECT_EQ(parse_destination(d[1].text())->key(), d[1].key());
    // Quoted, '|' is an argument.
    auto quoted = parse_destination("consumer tr '|' ,x");
    EXPECT_FALSE(quoted.ok());  // the comma ends the destination
    auto arg = parse_destination("consumer tr '|' x");
    ASSERT_TRUE(arg.ok());
    EXPECT_EQ(arg->argv, (std::vector<std::string>{"tr", "|", "x"}));
    EXPECT_EQ(arg->output.kind, DestKind::drop);
    EXPECT_EQ(parse_destination(arg->text())->key(), arg->key());

    EXPECT_EQ(parse_error("rule a -> callback ./x | stdout\n"),
              "t.rules:1:24: only a consumer's output can be sent on with '|' (quote it to pass it as an argument)\n"
              "  rule a -> callback ./x | stdout\n"
              "                         ^");
    EXPECT_EQ(parse_error("rule a -> consumer ./x | consumer ./y\n"),
              "t.rules:1:26: a consumer's output goes to file PATH, fifo PATH, stdout, drop or kafka:TOPIC\n"
              "  rule a -> consumer ./x | consumer ./y\n"
              "                           ^");
    EXPECT_EQ(parse_error("rule a -> consumer ./x |\n"),
              "t.rules:1:24: expected a destination after '|' (file PATH, fifo PATH, stdout, drop or kafka:TOPIC)\n"
              "  rule a -> consumer ./x |\n"
              "                         ^");
}

TEST(RouteRule, KeysTellDestinationsApart) {
    auto a = parse_destination("consumer a 'b c'");
    auto b = parse_destination("consumer a b c");
    ASSERT_TRUE(a.ok() && b.ok());
    EXPECT_NE(a->key(), b->key());
    EXPECT_EQ(a->key(), parse_destination("consumer a \"b c\"")->key());
}

}  // namespace
}  // namespace ev::route
