#include "status/flap.h"

#include <gtest/gtest.h>

namespace ev::status {
namespace {

TEST(StatusFlap, EmptyHistoryIsZeroPercent) {
    EXPECT_DOUBLE_EQ(flap_percent(0), 0.0);
}

TEST(StatusFlap, AllTwentyChangesAreHundredPercent) {
    EXPECT_DOUBLE_EQ(flap_percent(k_flap_mask), 100.0);
}

TEST(StatusFlap, NewestChangeWeighsOneAndAQuarter) {
    // 1.25 * 100 / 20
    EXPECT_DOUBLE_EQ(flap_percent(1), 6.25);
}

TEST(StatusFlap, OldestChangeWeighsThreeQuarters) {
    // 0.75 * 100 / 20
    EXPECT_DOUBLE_EQ(flap_percent(uint32_t{1} << 19), 3.75);
}

TEST(StatusFlap, WeightsAreLinear) {
    // Change x (1 oldest .. 20 newest) weighs 0.75 + (x-1) * 0.5 / 19.
    for (int k = 0; k < k_flap_changes; ++k) {
        int x = k_flap_changes - k;
        EXPECT_NEAR(flap_percent(uint32_t{1} << k), (0.75 + (x - 1) * 0.5 / 19) * 100 / 20, 1e-12) << k;
    }
}

TEST(StatusFlap, PushShiftsAndDropsTheOldest) {
    uint32_t h = 0;
    h = flap_push(h, true);
    EXPECT_EQ(h, 1u);
    h = flap_push(h, false);
    EXPECT_EQ(h, 2u);
    for (int i = 0; i < 18; ++i) {
        h = flap_push(h, false);
    }
    EXPECT_EQ(h, uint32_t{1} << 19);
    h = flap_push(h, false);
    EXPECT_EQ(h, 0u);
}

TEST(StatusFlap, SixChangesInARowCrossThirtyPercent) {
    uint32_t h = 0;
    for (int i = 0; i < 5; ++i) {
        h = flap_push(h, true);
    }
    EXPECT_LT(flap_percent(h), 30.0);
    h = flap_push(h, true);
    EXPECT_GE(flap_percent(h), 30.0);
}

TEST(StatusFlap, Hysteresis) {
    EXPECT_TRUE(flap_next(false, 30.0, 30, 20));
    EXPECT_FALSE(flap_next(false, 29.9, 30, 20));
    EXPECT_TRUE(flap_next(true, 20.1, 30, 20));
    EXPECT_FALSE(flap_next(true, 20.0, 30, 20));
    EXPECT_TRUE(flap_next(true, 25, 30, 20));
}

// Nagios adds the weights in doubles, oldest change first, then x 100 / 20
// (base/flapping.c). These histories weigh 40 and 20 exactly in rational
// arithmetic; the doubles land a hair below, as in Nagios. (Values from the
// same double operations done in Python, not from this code.)
TEST(StatusFlap, DoubleArithmeticAsNagios) {
    // Changes 5, 7, 8, 9, 10, 11, 14 and 20 (bit k is change 20 - k).
    EXPECT_EQ(flap_percent(48705), 39.999999999999993);
    EXPECT_NE(flap_percent(48705), 40.0);
    EXPECT_EQ(flap_percent(132360), 19.999999999999996);
    // Here the doubles land a hair above 30.
    EXPECT_EQ(flap_percent(29826), 30.000000000000007);
}

// Nagios tests "between" first (keep), then <= low (not flapping), then >= high.
TEST(StatusFlap, ThresholdOrderAsNagios) {
    // low == high: the threshold itself is "not flapping"; above it flaps,
    // and an episode stays open while the percent stays above.
    EXPECT_FALSE(flap_next(false, 30.0, 30, 30));
    EXPECT_TRUE(flap_next(false, 30.5, 30, 30));
    EXPECT_TRUE(flap_next(true, 30.5, 30, 30));
    EXPECT_FALSE(flap_next(true, 30.0, 30, 30));
    // 0 / 0: a steady stream (0%) never flaps; any change does.
    EXPECT_FALSE(flap_next(false, 0.0, 0, 0));
    EXPECT_FALSE(flap_next(true, 0.0, 0, 0));
    EXPECT_TRUE(flap_next(false, 3.75, 0, 0));
    // 100 / 100: only every result a change reaches it, and is not flapping.
    EXPECT_FALSE(flap_next(false, 100.0, 100, 100));
    // A percent a hair under high is "between": the state is kept.
    EXPECT_FALSE(flap_next(false, flap_percent(48705), 40, 10));
    EXPECT_TRUE(flap_next(true, flap_percent(29826), 50, 30));
}

}  // namespace
}  // namespace ev::status
