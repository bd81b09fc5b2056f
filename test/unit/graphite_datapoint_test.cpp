#include "graphite/datapoint.h"

#include <gtest/gtest.h>

namespace {

using ev::graphite::Datapoint;
using ev::graphite::extract_datapoint;

Datapoint extract(const char* event, double now = 1700000000.9) {
    simdjson::dom::parser parser;
    simdjson::dom::element root = parser.parse(std::string_view(event)).value();
    Datapoint p;
    ev::ManualClock clock(now);
    extract_datapoint(root, clock, p);
    return p;
}

TEST(GraphiteDatapoint, ValueAndTime) {
    auto p = extract(R"({"metric":42,"time":1700000123})");
    EXPECT_EQ(p.kind, Datapoint::Kind::point);
    EXPECT_EQ(p.value, "42");
    EXPECT_EQ(p.time, 1700000123);
    p = extract(R"({"metric":-0.25,"time":1700000123.999})");
    EXPECT_EQ(p.value, "-0.25");
    EXPECT_EQ(p.time, 1700000123);
    p = extract(R"({"metric":1e21,"time":1})");
    EXPECT_EQ(p.value, "1e+21");
    p = extract(R"({"metric":18446744073709551615,"time":1})");
    EXPECT_EQ(p.value, "18446744073709551615");
    p = extract(R"({"metric":-0.0,"time":0})");
    EXPECT_EQ(p.value, "0");
    EXPECT_EQ(p.time, 0);
}

TEST(GraphiteDatapoint, TimeDefaultsToNow) {
    auto p = extract(R"({"metric":1})", 1700000000.9);
    EXPECT_EQ(p.kind, Datapoint::Kind::point);
    EXPECT_EQ(p.time, 1700000000);
}

TEST(GraphiteDatapoint, SkipsEventsWithoutMetric) {
    EXPECT_EQ(extract(R"({"type":"status","state":"ok"})").kind, Datapoint::Kind::skip);
    auto p = extract(R"({"type":"metric","name":"x"})");
    EXPECT_EQ(p.kind, Datapoint::Kind::bad);
    EXPECT_EQ(p.reason, "metric event without a metric");
}

TEST(GraphiteDatapoint, RejectsValuesThatAreNotFiniteNumbers) {
    for (const char* e : {R"({"metric":"NaN"})", R"({"metric":null})", R"({"metric":true})", R"({"metric":[1]})",
                          R"({"metric":"1"})"}) {
        auto p = extract(e);
        EXPECT_EQ(p.kind, Datapoint::Kind::bad) << e;
        EXPECT_EQ(p.reason, "metric is not a finite number") << e;
    }
}

TEST(GraphiteDatapoint, RejectsBadTimes) {
    EXPECT_EQ(extract(R"({"metric":1,"time":"now"})").reason, "time is not a number");
    EXPECT_EQ(extract(R"({"metric":1,"time":-1})").reason, "time is out of range");
    EXPECT_EQ(extract(R"({"metric":1,"time":4294967296})").reason, "time is out of range");
    EXPECT_EQ(extract(R"({"metric":1,"time":4294967295.5})").kind, Datapoint::Kind::point);
}

TEST(GraphiteDatapoint, Line) {
    auto p = extract(R"({"metric":0.5,"time":17})");
    std::string out = "x";
    ev::graphite::append_line("a.b", p, out);
    EXPECT_EQ(out, "xa.b 0.5 17\n");
}

TEST(GraphiteDatapoint, EveryLineAppendLineWritesIsACarbonLine) {
    for (const char* event : {R"({"metric":0.5,"time":17})", R"({"metric":-3e-7,"time":0})",
                              R"({"metric":18446744073709551615,"time":4294967295})", R"({"metric":1e21,"time":1})"}) {
        std::string out;
        ev::graphite::append_line("servers.web1_example_com.disk._var:#-", extract(event), out);
        ASSERT_EQ(out.back(), '\n');
        out.pop_back();
        EXPECT_TRUE(ev::graphite::is_carbon_line(out)) << out;
    }
}

TEST(GraphiteDatapoint, WhatIsNotACarbonLine) {
    using ev::graphite::is_carbon_line;
    for (const char* line :
         {"",          "a.b 1",     "a.b 1 2 3",   "a.b  1 2", " a.b 1 2",     "a.b 1 2 ",         ".a 1 2",
          "a. 1 2",    "a..b 1 2",  "a/b 1 2",     "a\tb 1 2", "a\x1b[2J 1 2", "a.b x 2",          "a.b 1x 2",
          "a.b nan 2", "a.b inf 2", "a.b 1e999 2", "a.b 1 -2", "a.b 1 2.5",    "a.b 1 4294967296", "a.b 1 99999999999",
          "a.b 1 x"}) {
        EXPECT_FALSE(is_carbon_line(line)) << line;
    }
    EXPECT_TRUE(is_carbon_line("a 1 0"));
    EXPECT_TRUE(is_carbon_line("a.b-c:d#e_F 2.5e+10 4294967295"));
}

}  // namespace
