#include "core/aggregate_check.h"

#include <gtest/gtest.h>

using namespace ev;

namespace {

std::vector<CheckItem> fleet() {
    return {{"web1", std::nullopt, State::ok},
            {"web2", std::nullopt, State::critical},
            {"web3", std::nullopt, State::warning},
            {"web4", std::nullopt, State::critical},
            {"db|1\nOK", std::nullopt, State::unknown}};
}

}  // namespace

TEST(AggregateCheck, CountsListsAndEscapes) {
    AggregateCheck check;
    check.label = "LOAD";
    check.perfdata = {{"checktime", "0.5"}};
    CheckOutput out = format_aggregate_check(check, fleet());
    EXPECT_EQ(out.code, 2);
    EXPECT_EQ(out.text,
              "LOAD: OK: 1 WARNING: 1 CRITICAL: 2 UNKNOWN: 1|total=5 ok=1 warn=1 crit=2 unknown=1 checktime=0.5\n"
              "CRITICAL: web2, web4\n"
              "WARNING: web3\n"
              "UNKNOWN: db\\x7c1\\nOK\n");
}

TEST(AggregateCheck, HighestCodeWithoutCritical) {
    std::vector<CheckItem> items = {{"a", std::string("x"), State::warning}, {"b", std::string("x"), State::unknown}};
    EXPECT_EQ(format_aggregate_check({}, items).code, 3);
    items.pop_back();
    CheckOutput out = format_aggregate_check({}, items);
    EXPECT_EQ(out.code, 1);
    EXPECT_EQ(out.text,
              "OK: 0 WARNING: 1 CRITICAL: 0 UNKNOWN: 0|total=1 ok=0 warn=1 crit=0 unknown=0\nWARNING: a (x)\n");
}

TEST(AggregateCheck, CapOnListedNames) {
    AggregateCheck check;
    check.max_list = 1;
    CheckOutput out = format_aggregate_check(check, fleet());
    EXPECT_NE(out.text.find("CRITICAL: web2, ... and 1 more\n"), std::string::npos) << out.text;
}

TEST(AggregateCheck, ThresholdDecidesAndLeads) {
    AggregateCheck check;
    check.label = "L";
    check.crit = *parse_threshold("90%");
    check.warn = *parse_threshold("3");
    check.verdict_first = true;
    CheckOutput out = format_aggregate_check(check, fleet());
    EXPECT_EQ(out.code, 1);  // 4 non-OK of 5: warning reached, critical (90%) not
    EXPECT_EQ(out.text.rfind("L: WARNING: OK: 1 ", 0), 0u) << out.text;
}

TEST(AggregateCheck, NothingMatched) {
    AggregateCheck check;
    check.label = "L";
    EXPECT_EQ(format_aggregate_check(check, {}).code, 3);
    check.nothing_matched = "no nodes match";
    CheckOutput out = format_aggregate_check(check, {});
    EXPECT_EQ(out.code, 3);
    EXPECT_EQ(out.text, "L: UNKNOWN: no nodes match\n");
}

TEST(AggregateCheck, Thresholds) {
    EXPECT_FALSE(parse_threshold("lots").ok());
    EXPECT_FALSE(parse_threshold("-1").ok());
    EXPECT_TRUE(parse_threshold("50%")->reached(1, 2));
    EXPECT_FALSE(parse_threshold("50%")->reached(0, 0));
}
