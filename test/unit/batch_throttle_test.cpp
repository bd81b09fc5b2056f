// Tests for lib/batch/throttle.cpp: concurrency, batches, rate and --max-fail on fake time.
#include <gtest/gtest.h>

#include "batch/throttle.h"

namespace ev::batch {
namespace {

TEST(BatchThrottle, ConcurrencyCap) {
    ThrottleLimits limits;
    limits.concurrency = 2;
    Throttle t(limits);
    EXPECT_TRUE(t.may_start(0));
    t.started(0);
    t.started(0);
    EXPECT_FALSE(t.may_start(0));
    EXPECT_EQ(t.running(), 2u);
    EXPECT_FALSE(t.wake_at(0).has_value());  // only an end frees a slot
    t.finished(true, 1, 5, true, 7);
    EXPECT_TRUE(t.may_start(1));
}

TEST(BatchThrottle, BatchWaitsForAllThenPauses) {
    ThrottleLimits limits;
    limits.concurrency = 3;
    limits.batch = 3;
    limits.batch_sleep = 10;
    Throttle t(limits);
    for (int i = 0; i < 3; ++i) {
        ASSERT_TRUE(t.may_start(0));
        t.started(0);
    }
    EXPECT_FALSE(t.may_start(0));
    t.finished(true, 1, 4, false, 7);
    EXPECT_FALSE(t.may_start(1));  // the batch is not over: no new start
    t.finished(true, 2, 4, false, 7);
    t.finished(true, 3, 4, false, 7);
    EXPECT_FALSE(t.may_start(3));  // the pause
    EXPECT_EQ(t.wake_at(3), 13.0);
    EXPECT_FALSE(t.may_start(12.9));
    EXPECT_TRUE(t.may_start(13));
}

TEST(BatchThrottle, BatchLargerThanConcurrency) {
    ThrottleLimits limits;
    limits.concurrency = 1;
    limits.batch = 2;
    limits.batch_sleep = 5;
    Throttle t(limits);
    t.started(0);
    EXPECT_FALSE(t.may_start(0));
    t.finished(true, 1, 3, false, 4);
    EXPECT_TRUE(t.may_start(1));  // second of the batch, no pause inside a batch
    t.started(1);
    t.finished(true, 2, 2, false, 4);
    EXPECT_FALSE(t.may_start(2));
    EXPECT_TRUE(t.may_start(7));
}

TEST(BatchThrottle, LastShortBatchEndsWithTheInput) {
    ThrottleLimits limits;
    limits.concurrency = 4;
    limits.batch = 4;
    limits.batch_sleep = 5;
    Throttle t(limits);
    t.started(0);
    t.started(0);
    t.finished(true, 1, 0, false, 2);
    t.finished(true, 1, 0, false, 2);
    EXPECT_FALSE(t.may_start(2));  // the short batch was over: the pause applies
    EXPECT_TRUE(t.may_start(6));
}

TEST(BatchThrottle, RateSpacesStarts) {
    ThrottleLimits limits;
    limits.concurrency = 10;
    limits.rate = parse_rate("4/1s").value();
    Throttle t(limits);
    t.started(0);
    EXPECT_FALSE(t.may_start(0.1));
    EXPECT_EQ(t.wake_at(0.1), 0.25);
    EXPECT_TRUE(t.may_start(0.25));
}

TEST(BatchThrottle, MaxFailCount) {
    ThrottleLimits limits;
    limits.concurrency = 5;
    limits.max_fail = parse_max_fail("1").value();
    Throttle t(limits);
    for (int i = 0; i < 3; ++i) {
        t.started(0);
    }
    EXPECT_FALSE(t.finished(false, 1, 5, false, 8));
    EXPECT_FALSE(t.failing());
    EXPECT_TRUE(t.finished(false, 1, 5, false, 8));
    EXPECT_TRUE(t.failing());
    EXPECT_FALSE(t.may_start(2));
    EXPECT_FALSE(t.finished(false, 2, 5, false, 8));  // reported once
}

TEST(BatchThrottle, MaxFailPercentOfTheBatch) {
    ThrottleLimits limits;
    limits.concurrency = 4;
    limits.batch = 4;
    limits.max_fail = parse_max_fail("25%").value();
    Throttle t(limits);
    for (int i = 0; i < 4; ++i) {
        t.started(0);
    }
    EXPECT_FALSE(t.finished(false, 1, 8, false, 12));  // 1 of 4 is 25%: not more
    t.finished(true, 1, 8, false, 12);
    t.finished(true, 1, 8, false, 12);
    t.finished(true, 1, 8, false, 12);
    EXPECT_TRUE(t.may_start(1));  // a new batch, its own count
    for (int i = 0; i < 4; ++i) {
        t.started(1);
    }
    EXPECT_FALSE(t.finished(false, 2, 4, false, 12));
    EXPECT_TRUE(t.finished(false, 2, 4, false, 12));  // 2 of 4
}

TEST(BatchThrottle, MaxFailPercentOfEventsRead) {
    ThrottleLimits limits;
    limits.concurrency = 10;
    limits.max_fail = parse_max_fail("10%").value();
    Throttle t(limits);
    t.started(0);
    t.started(0);
    EXPECT_FALSE(t.finished(false, 1, 18, false, 20));  // 1 of 20 is 5%
    EXPECT_FALSE(t.finished(false, 1, 18, false, 20));  // 2 of 20 is 10%: not more
    t.started(1);
    EXPECT_TRUE(t.finished(false, 2, 17, false, 20));  // 3 of 20
}

}  // namespace
}  // namespace ev::batch
