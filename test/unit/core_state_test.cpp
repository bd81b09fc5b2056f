#include "core/state.h"

#include <gtest/gtest.h>

#include <set>

#include "core/clock.h"
#include "core/duration.h"
#include "core/id.h"

namespace {

TEST(State, NamesAndSeveritiesRoundTrip) {
    for (int s = 0; s <= 3; ++s) {
        auto state = ev::state_from_severity(s);
        ASSERT_TRUE(state.has_value());
        EXPECT_EQ(ev::severity_of(*state), s);
        EXPECT_EQ(ev::parse_state(ev::state_name(*state)), state);
    }
    EXPECT_FALSE(ev::state_from_severity(4).has_value());
    EXPECT_FALSE(ev::state_from_severity(-1).has_value());
    EXPECT_FALSE(ev::parse_state("CRITICAL").has_value());
}

TEST(State, WorstStateOrder) {
    using ev::State;
    EXPECT_EQ(ev::worst(State::warning, State::critical), State::critical);
    EXPECT_EQ(ev::worst(State::unknown, State::warning), State::warning);
    EXPECT_EQ(ev::worst(State::ok, State::unknown), State::unknown);
}

TEST(Id, SortsByTimeAndIsUnique) {
    ev::ManualClock clock(1790000000.0);
    ev::IdGenerator ids(clock, 7);
    std::set<std::string> seen;
    std::string last;
    for (int i = 0; i < 1000; ++i) {
        if (i % 100 == 0) {
            clock.advance(0.5);
        }
        std::string id = ids.next();
        EXPECT_EQ(id.size(), 26u);
        EXPECT_GT(id, last);
        last = id;
        seen.insert(id);
    }
    EXPECT_EQ(seen.size(), 1000u);
}

TEST(Id, SameSeedAndTimesGiveSameIds) {
    ev::ManualClock a(100), b(100);
    ev::IdGenerator x(a, 3), y(b, 3);
    EXPECT_EQ(x.next(), y.next());
}

TEST(Duration, ParsesUnits) {
    EXPECT_EQ(ev::parse_duration("30s").value(), 30);
    EXPECT_EQ(ev::parse_duration("5m").value(), 300);
    EXPECT_EQ(ev::parse_duration("2h").value(), 7200);
    EXPECT_EQ(ev::parse_duration("1d").value(), 86400);
    EXPECT_EQ(ev::parse_duration("500ms").value(), 0.5);
    EXPECT_EQ(ev::parse_duration("12").value(), 12);
    EXPECT_FALSE(ev::parse_duration("5x").ok());
    EXPECT_FALSE(ev::parse_duration("-5s").ok());
    EXPECT_FALSE(ev::parse_duration("").ok());
    EXPECT_EQ(ev::format_duration(300), "5m");
    EXPECT_EQ(ev::format_duration(1.5), "1500ms");
}

}  // namespace
