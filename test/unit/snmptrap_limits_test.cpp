// Tests for lib/snmptrap/limits.cpp: the inform window and the rate limiter.
#include <gtest/gtest.h>

#include "snmptrap/limits.h"

namespace ev::snmptrap {
namespace {

TEST(SnmptrapLimits, InformWindowRemembersForItsWindowOnly) {
    InformWindow window(30, 4);
    EXPECT_FALSE(window.seen("10.0.0.1:5000", 7, 0));
    window.record("10.0.0.1:5000", 7, 0);
    EXPECT_TRUE(window.seen("10.0.0.1:5000", 7, 29));
    EXPECT_FALSE(window.seen("10.0.0.1:5001", 7, 29));  // another port: another sender
    EXPECT_FALSE(window.seen("10.0.0.1:5000", 8, 29));
    EXPECT_FALSE(window.seen("10.0.0.1:5000", 7, 30));
}

TEST(SnmptrapLimits, InformWindowIsBounded) {
    InformWindow window(1000, 4);
    for (int i = 0; i < 10; ++i) {
        window.record("a", i, 1);
    }
    EXPECT_FALSE(window.seen("a", 0, 1));
    EXPECT_TRUE(window.seen("a", 9, 1));
}

TEST(SnmptrapLimits, RatePerSourceWithBursts) {
    RateLimiter rate(5);
    int allowed = 0;
    for (int i = 0; i < 100; ++i) {
        allowed += rate.allow("10.0.0.1", 0) ? 1 : 0;
    }
    EXPECT_EQ(allowed, 5);
    EXPECT_TRUE(rate.allow("10.0.0.2", 0));  // another source is not held back
    EXPECT_FALSE(rate.allow("10.0.0.1", 0.1));
    EXPECT_TRUE(rate.allow("10.0.0.1", 0.3));  // 1.5 tokens back after 0.3 s
    RateLimiter off(0);
    for (int i = 0; i < 1000; ++i) {
        ASSERT_TRUE(off.allow("x", 0));
    }
}

}  // namespace
}  // namespace ev::snmptrap
