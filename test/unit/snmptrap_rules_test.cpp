// Tests for lib/snmptrap/rules.cpp: the rules file syntax and matching.
#include <gtest/gtest.h>

#include "snmptrap/rules.h"

namespace ev::snmptrap {
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

TEST(SnmptrapRules, EveryField) {
    auto rules = parse_ok(
        "# comment\n\n"
        "exact .1.3.6.1.4.1.9.9.43.2.0.1 warning name=config.changed ttl=1h  # trailing\n"
        "subtree 1.3.6.1.4.1.2636 archive name=juniper\r\n"
        "exact IF-MIB::linkDown critical index=IF-MIB::ifIndex name=IF-MIB::ifOperStatus\n");
    ASSERT_EQ(rules.size(), 3u);
    EXPECT_EQ(rules[0].trap_oid, "1.3.6.1.4.1.9.9.43.2.0.1");
    EXPECT_FALSE(rules[0].subtree);
    EXPECT_EQ(rules[0].state, State::warning);
    EXPECT_EQ(rules[0].name, "config.changed");
    EXPECT_EQ(rules[0].ttl, 3600);
    EXPECT_EQ(rules[0].line, 3u);
    EXPECT_TRUE(rules[1].subtree);
    EXPECT_FALSE(rules[1].state.has_value());
    EXPECT_EQ(rules[2].trap_oid, "1.3.6.1.6.3.1.1.5.3");
    EXPECT_EQ(rules[2].index_oid, "1.3.6.1.2.1.2.2.1.1");
}

TEST(SnmptrapRules, ErrorsNameFileAndLine) {
    EXPECT_EQ(parse_error("exact 1.3.6 ok\nexact 1.3.6\n"),
              "t.rules:2: expected: exact|subtree TRAP ACTION [index=VARBIND] [name=NAME] [ttl=DURATION]");
    EXPECT_EQ(parse_error("within 1.3.6 ok\n"), "t.rules:1: 'within': expected exact or subtree");
    EXPECT_EQ(parse_error("exact NO-MIB::thing ok\n"), "t.rules:1: 'NO-MIB::thing': not an OID or a known name");
    EXPECT_EQ(parse_error("exact 1.3..6 ok\n"), "t.rules:1: '1.3..6': not an OID or a known name");
    EXPECT_EQ(parse_error("exact 1.3.6 fine\n"),
              "t.rules:1: 'fine': expected ok, warning, critical, unknown or archive");
    EXPECT_EQ(parse_error("exact 1.3.6 ok colour=red\n"), "t.rules:1: 'colour': unknown option (index=, name=, ttl=)");
    EXPECT_EQ(parse_error("exact 1.3.6 ok name=\n"), "t.rules:1: 'name=': expected index=, name= or ttl= with a value");
    EXPECT_EQ(parse_error("exact 1.3.6 archive ttl=5m\n"), "t.rules:1: ttl= needs a state: archive events have no ttl");
    EXPECT_EQ(parse_error("exact 1.3.6 ok ttl=0\n"), "t.rules:1: ttl '0': expected a duration above zero");
    EXPECT_EQ(parse_error("exact 1.3.6 ok name=\xff\n"), "t.rules:1: name: not valid UTF-8");
    EXPECT_EQ(parse_error("exact 1.3.6 ok index=x\n"), "t.rules:1: index 'x': not an OID or a known name");
}

TEST(SnmptrapRules, FirstMatchWinsAndSubtreesRespectArcs) {
    RuleSet set(parse_ok("exact 1.3.6.1.4.1.9.0.1 critical\nsubtree 1.3.6.1.4.1.9 archive\n"));
    ASSERT_NE(set.match("1.3.6.1.4.1.9.0.1"), nullptr);
    EXPECT_EQ(set.match("1.3.6.1.4.1.9.0.1")->line, 1u);
    EXPECT_EQ(set.match("1.3.6.1.4.1.9.0.2")->line, 2u);
    EXPECT_EQ(set.match("1.3.6.1.4.1.9")->line, 2u);
    EXPECT_EQ(set.match("1.3.6.1.4.1.99.1"), nullptr);  // 99 is not below 9
    EXPECT_EQ(set.match("1.3.6.1.4.1"), nullptr);
}

TEST(SnmptrapRules, BuiltinLinkDownAndUp) {
    RuleSet set(builtin_rules());
    const Rule* down = set.match("1.3.6.1.6.3.1.1.5.3");
    const Rule* up = set.match("1.3.6.1.6.3.1.1.5.4");
    ASSERT_NE(down, nullptr);
    ASSERT_NE(up, nullptr);
    EXPECT_EQ(down->state, State::critical);
    EXPECT_EQ(up->state, State::ok);
    EXPECT_EQ(down->name, "IF-MIB::ifOperStatus");
    EXPECT_EQ(up->index_oid, "1.3.6.1.2.1.2.2.1.1");
    EXPECT_EQ(set.match("1.3.6.1.6.3.1.1.5.1"), nullptr);
}

}  // namespace
}  // namespace ev::snmptrap
