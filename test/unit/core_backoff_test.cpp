// Tests for lib/core/backoff.cpp: doubling delays, the ceiling, reset.
#include "core/backoff.h"

#include <gtest/gtest.h>

namespace {

TEST(Backoff, DoublesUpToTheCeiling) {
    ev::Backoff b(0.1, 0.5);
    EXPECT_DOUBLE_EQ(b.peek(), 0.1);
    EXPECT_DOUBLE_EQ(b.next(), 0.1);
    EXPECT_DOUBLE_EQ(b.next(), 0.2);
    EXPECT_DOUBLE_EQ(b.next(), 0.4);
    EXPECT_DOUBLE_EQ(b.next(), 0.5);
    EXPECT_DOUBLE_EQ(b.next(), 0.5);
    EXPECT_EQ(b.failures(), 5u);
}

TEST(Backoff, ResetStartsAgainFromTheFirstDelay) {
    ev::Backoff b(0.1, 5);
    b.next();
    b.next();
    EXPECT_DOUBLE_EQ(b.peek(), 0.4);
    b.reset();
    EXPECT_EQ(b.failures(), 0u);
    EXPECT_DOUBLE_EQ(b.next(), 0.1);
    EXPECT_DOUBLE_EQ(b.next(), 0.2);
}

TEST(Backoff, CeilingBelowTheFirstDelayIsRaised) {
    ev::Backoff b(2, 1);
    EXPECT_DOUBLE_EQ(b.next(), 2);
    EXPECT_DOUBLE_EQ(b.next(), 2);
}

TEST(Backoff, ZeroFirstDelayRetriesAtOnce) {
    ev::Backoff b(0, 10);
    EXPECT_DOUBLE_EQ(b.next(), 0);
    EXPECT_DOUBLE_EQ(b.next(), 0);
}

}  // namespace
