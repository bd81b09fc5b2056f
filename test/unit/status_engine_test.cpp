// The engine through its API; the rules end to end are pinned by the
// scenario files (status_scenarios_test.cpp).
#include "status/engine.h"

#include <gtest/gtest.h>

namespace ev::status {
namespace {

StatusEvent status(State state, std::optional<double> ttl = std::nullopt) {
    StatusEvent e;
    e.subject = "web1";
    e.name = "http";
    e.state = state;
    e.ttl = ttl;
    return e;
}

TEST(StatusEngine, TransitionCarriesPreviousAndSince) {
    Engine engine(Config{});
    EXPECT_FALSE(engine.apply(status(State::ok), 10));
    auto d = engine.apply(status(State::warning), 20);
    ASSERT_TRUE(d);
    EXPECT_EQ(d->reason, Reason::transition);
    EXPECT_EQ(d->previous, State::ok);
    EXPECT_EQ(d->state, State::warning);
    EXPECT_EQ(d->since, 20);
    EXPECT_EQ(d->entry->subject(), "web1");
    auto repeat = engine.apply(status(State::warning), 30);
    ASSERT_TRUE(repeat);
    EXPECT_EQ(repeat->reason, Reason::non_ok);
    EXPECT_EQ(repeat->since, 20);
    EXPECT_EQ(engine.counters().statuses, 3u);
    EXPECT_EQ(engine.counters().alerts, 2u);
}

TEST(StatusEngine, SoftCountIsKeptInTheState) {
    Config c;
    c.confirm = 3;
    Engine engine(c);
    EXPECT_FALSE(engine.apply(status(State::critical), 1));
    EXPECT_FALSE(engine.apply(status(State::critical), 2));
    IdentityEntry* e = engine.table().find("web1", "http");
    ASSERT_NE(e, nullptr);
    EXPECT_EQ(e->state.soft, 2);
    EXPECT_EQ(e->state.state, State::ok);
    EXPECT_EQ(e->state.raw, State::critical);
    ASSERT_TRUE(engine.apply(status(State::critical), 3));
    EXPECT_EQ(e->state.soft, 0);
    EXPECT_EQ(e->state.state, State::critical);
}

TEST(StatusEngine, ExpiryOnlyStrictlyAfterTheDeadline) {
    Engine engine(Config{});
    engine.apply(status(State::ok, 10), 100);
    EXPECT_EQ(engine.next_deadline(), 110);
    EXPECT_FALSE(engine.expire_next(110));
    auto d = engine.expire_next(110.001);
    ASSERT_TRUE(d);
    EXPECT_EQ(d->reason, Reason::expired);
    EXPECT_EQ(d->time, 110);
    EXPECT_EQ(d->since, 110);
    EXPECT_EQ(d->ttl, 10);
    EXPECT_FALSE(engine.expire_next(1000));
    EXPECT_TRUE(engine.table().find("web1", "http")->state.expired());
    EXPECT_EQ(engine.counters().expired, 1u);
}

TEST(StatusEngine, HugeTtlNeverExpires) {
    Engine engine(Config{});
    engine.apply(status(State::ok, 1.7e308), 1e308);
    EXPECT_EQ(engine.next_deadline(), 0);
}

TEST(StatusEngine, FlappingHoldsAlertsBack) {
    Engine engine(Config{});
    int starts = 0;
    for (int i = 0; i < 10; ++i) {
        auto d = engine.apply(status(i % 2 == 0 ? State::critical : State::ok), i);
        if (d && d->reason == Reason::flapping_start) {
            ++starts;
            EXPECT_EQ(i, 5);  // the 6th change
        }
        if (i > 5) {
            EXPECT_FALSE(d) << i;
        }
    }
    EXPECT_EQ(starts, 1);
    EXPECT_EQ(engine.counters().held_back, 4u);
    EXPECT_TRUE(engine.table().find("web1", "http")->state.flapping());
}

}  // namespace
}  // namespace ev::status
