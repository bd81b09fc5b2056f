// Tests for lib/batch/limits.cpp: --rate and --max-fail.
#include <gtest/gtest.h>

#include "batch/limits.h"

namespace ev::batch {
namespace {

TEST(BatchLimits, RateForms) {
    EXPECT_DOUBLE_EQ(parse_rate("10/1m")->interval(), 6);
    EXPECT_DOUBLE_EQ(parse_rate("5/s")->interval(), 0.2);
    EXPECT_DOUBLE_EQ(parse_rate("4")->interval(), 0.25);
    EXPECT_DOUBLE_EQ(parse_rate("1/500ms")->interval(), 0.5);
}

TEST(BatchLimits, BadRates) {
    for (const char* bad : {"", "0/1s", "-1/1s", "x/1s", "5/", "5/0s", "5/soon"}) {
        EXPECT_FALSE(parse_rate(bad).ok()) << bad;
    }
    EXPECT_EQ(parse_rate("fast").error(), "bad rate 'fast': expected N/DURATION with N > 0, like 10/1m");
}

TEST(BatchLimits, MaxFailCount) {
    auto limit = parse_max_fail("2");
    ASSERT_TRUE(limit.ok());
    EXPECT_FALSE(limit->exceeded(2, 10));
    EXPECT_TRUE(limit->exceeded(3, 10));
    EXPECT_TRUE(parse_max_fail("0")->exceeded(1, 100));
}

TEST(BatchLimits, MaxFailPercentIsExceededOnlyAbove) {
    auto limit = parse_max_fail("25%");
    ASSERT_TRUE(limit.ok());
    EXPECT_FALSE(limit->exceeded(1, 4));
    EXPECT_TRUE(limit->exceeded(2, 4));
    EXPECT_TRUE(parse_max_fail("0%")->exceeded(1, 1000));
    EXPECT_FALSE(parse_max_fail("100%")->exceeded(4, 4));
}

TEST(BatchLimits, BadMaxFail) {
    for (const char* bad : {"", "%", "-1", "1.5", "101%", "x%", "two"}) {
        EXPECT_FALSE(parse_max_fail(bad).ok()) << bad;
    }
}

}  // namespace
}  // namespace ev::batch
