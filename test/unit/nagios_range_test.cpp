#include "nagios/range.h"

#include <gtest/gtest.h>

namespace ev::nagios {
namespace {

bool alert(const char* range, double value) {
    auto r = parse_range(range);
    EXPECT_TRUE(r.ok()) << range << ": " << (r.ok() ? "" : r.error());
    return r.ok() && r->alert(value);
}

TEST(NagiosRange, PlainNumberMeansZeroToN) {
    EXPECT_TRUE(alert("10", -1));
    EXPECT_FALSE(alert("10", 0));
    EXPECT_FALSE(alert("10", 10));
    EXPECT_TRUE(alert("10", 10.5));
}

TEST(NagiosRange, OpenEndMeansBelowStartAlerts) {
    EXPECT_TRUE(alert("10:", 9.99));
    EXPECT_FALSE(alert("10:", 10));
    EXPECT_FALSE(alert("10:", 1e12));
}

TEST(NagiosRange, TildeStartIsNegativeInfinity) {
    EXPECT_FALSE(alert("~:10", -1e12));
    EXPECT_FALSE(alert("~:10", 10));
    EXPECT_TRUE(alert("~:10", 10.01));
}

TEST(NagiosRange, StartAndEndAlertOutside) {
    EXPECT_TRUE(alert("10:20", 9));
    EXPECT_FALSE(alert("10:20", 10));
    EXPECT_FALSE(alert("10:20", 20));
    EXPECT_TRUE(alert("10:20", 21));
}

TEST(NagiosRange, AtAlertsInsideInclusive) {
    EXPECT_FALSE(alert("@10:20", 9));
    EXPECT_TRUE(alert("@10:20", 10));
    EXPECT_TRUE(alert("@10:20", 15));
    EXPECT_TRUE(alert("@10:20", 20));
    EXPECT_FALSE(alert("@10:20", 20.1));
}

TEST(NagiosRange, EmptyStartIsZero) {
    EXPECT_TRUE(alert(":5", -1));
    EXPECT_FALSE(alert(":5", 3));
}

TEST(NagiosRange, NegativeAndFractionalBounds) {
    EXPECT_FALSE(alert("-5:-1.5", -3));
    EXPECT_TRUE(alert("-5:-1.5", -1));
}

TEST(NagiosRange, RejectsMalformed) {
    for (const char* bad : {"", "@", "abc", "10:5", "1:2:3", "~", "10:x", "1,5", "inf", "nan"}) {
        EXPECT_FALSE(parse_range(bad).ok()) << bad;
    }
}

TEST(NagiosRange, StartAboveEndNamesBoth) {
    auto r = parse_range("10:5");
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.error(), "range start 10 is above its end 5");
}

}  // namespace
}  // namespace ev::nagios
