// Tests for lib/route/event_numbers.cpp: order, runs, clear.
#include "route/event_numbers.h"

#include <gtest/gtest.h>

#include <vector>

namespace ev::route {
namespace {

TEST(RouteEventNumbers, KeepsOrderAcrossRuns) {
    EventNumbers n;
    for (uint64_t x : {1, 2, 3, 7, 8, 10}) {
        n.push(x);
    }
    EXPECT_EQ(n.size(), 6u);
    EXPECT_EQ(n.runs(), 3u);
    std::vector<uint64_t> out;
    while (!n.empty()) {
        out.push_back(n.pop());
    }
    EXPECT_EQ(out, (std::vector<uint64_t>{1, 2, 3, 7, 8, 10}));
    EXPECT_EQ(n.runs(), 0u);
}

TEST(RouteEventNumbers, ConsecutiveNumbersTakeOneRun) {
    EventNumbers n;
    for (uint64_t x = 5; x < 100005; ++x) {
        n.push(x);
    }
    EXPECT_EQ(n.runs(), 1u);
    EXPECT_EQ(n.pop(), 5u);
    EXPECT_EQ(n.pop(), 6u);
    EXPECT_EQ(n.size(), 99998u);
    n.push(200000);  // after a pop from the front, the back still extends
    EXPECT_EQ(n.runs(), 2u);
    n.clear();
    EXPECT_TRUE(n.empty());
    EXPECT_EQ(n.runs(), 0u);
    n.push(3);
    EXPECT_EQ(n.pop(), 3u);
}

TEST(RouteEventNumbers, PopManyAcrossRuns) {
    EventNumbers n;
    for (uint64_t x : {1, 2, 3, 4, 9, 10, 12}) {
        n.push(x);
    }
    n.pop(3);
    EXPECT_EQ(n.front(), 4u);
    n.pop(2);
    EXPECT_EQ(n.front(), 10u);
    EXPECT_EQ(n.size(), 2u);
    n.pop(5);
    EXPECT_TRUE(n.empty());
    EXPECT_EQ(n.runs(), 0u);
}

}  // namespace
}  // namespace ev::route
