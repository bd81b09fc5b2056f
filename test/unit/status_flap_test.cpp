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

}  // namespace
}  // namespace ev::status
