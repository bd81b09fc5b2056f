// Tests for lib/route/delivery.cpp: positions are acknowledged up to the
// oldest event still held anywhere, per stream, never past a lost one.
#include "route/delivery.h"

#include <gtest/gtest.h>

#include <vector>

namespace ev::route {
namespace {

std::vector<Position> advance(Delivery& d, uint64_t held) {
    std::vector<Position> out;
    d.advance(held, out);
    return out;
}

TEST(RouteDelivery, AcknowledgesUpToTheOldestHeldEvent) {
    Delivery d;
    Position p1{0, 10}, p2{0, 20}, p3{0, 30};
    uint64_t a = d.begin(&p1);
    d.begin(&p2);
    uint64_t c = d.begin(&p3);
    EXPECT_EQ(d.next(), c + 1);
    EXPECT_TRUE(advance(d, a).empty());  // a is still held: nothing before it
    auto got = advance(d, c);            // c is the oldest held: a and b are done
    ASSERT_EQ(got.size(), 1u);
    EXPECT_EQ(got[0].stream, 0u);
    EXPECT_EQ(got[0].offset, 20);
    EXPECT_EQ(d.in_flight(), 1u);
    EXPECT_TRUE(advance(d, c).empty());  // nothing moved since
    got = advance(d, d.next());
    ASSERT_EQ(got.size(), 1u);
    EXPECT_EQ(got[0].offset, 30);
    EXPECT_EQ(d.in_flight(), 0u);
}

TEST(RouteDelivery, EveryStreamThatMovedIsReported) {
    Delivery d;
    Position s0a{0, 100}, s1a{1, 7}, s0b{0, 200}, s1b{1, 9};
    d.begin(&s0a);
    d.begin(&s1a);
    d.begin(&s0b);
    uint64_t last = d.begin(&s1b);
    auto got = advance(d, last);
    ASSERT_EQ(got.size(), 2u);
    EXPECT_EQ(got[0].stream, 0u);
    EXPECT_EQ(got[0].offset, 200);
    EXPECT_EQ(got[1].stream, 1u);
    EXPECT_EQ(got[1].offset, 7);
}

TEST(RouteDelivery, ALostEventStopsItsStreamForGood) {
    Delivery d;
    Position p1{0, 10}, p2{0, 20}, p3{0, 30}, q{1, 3};
    d.begin(&p1);
    uint64_t b = d.begin(&p2);
    d.lost(b);  // its destination's output failed
    d.begin(&p3);
    d.begin(&q);
    auto got = advance(d, d.next());
    ASSERT_EQ(got.size(), 2u);
    EXPECT_EQ(got[0].stream, 0u);
    EXPECT_EQ(got[0].offset, 10);  // stream 0 stays before 20
    EXPECT_EQ(got[1].stream, 1u);
    EXPECT_EQ(got[1].offset, 3);
    Position p4{0, 40};
    d.begin(&p4);
    EXPECT_TRUE(advance(d, d.next()).empty());
    EXPECT_EQ(d.in_flight(), 0u);  // nothing kept for it either
}

TEST(RouteDelivery, EventsWithoutPositionNeedNoAcknowledgement) {
    Delivery d;
    uint64_t a = d.begin(nullptr);  // a counter event
    Position p{0, 4};
    d.begin(&p);
    d.lost(a);  // losing it stops no stream
    auto got = advance(d, d.next());
    ASSERT_EQ(got.size(), 1u);
    EXPECT_EQ(got[0].offset, 4);
}

TEST(RouteDelivery, ManyInFlightAcrossTheRingsGrowthAndWrap) {
    Delivery d;
    for (int round = 0; round < 3; ++round) {
        uint64_t first = d.next();
        for (int64_t i = 1; i <= 1000; ++i) {
            Position p{0, round * 1000 + i};
            d.begin(&p);
        }
        EXPECT_EQ(d.in_flight(), 1000u);
        auto got = advance(d, first + 500);
        ASSERT_EQ(got.size(), 1u);
        EXPECT_EQ(got[0].offset, round * 1000 + 500);
        got = advance(d, d.next());
        ASSERT_EQ(got.size(), 1u);
        EXPECT_EQ(got[0].offset, round * 1000 + 1000);
        EXPECT_EQ(d.in_flight(), 0u);
    }
}

}  // namespace
}  // namespace ev::route
