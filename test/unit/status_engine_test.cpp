// The engine through its API; the rules end to end are pinned by the
// scenario files (status_scenarios_test.cpp).
#include "status/engine.h"

#include <gtest/gtest.h>

#include <simdjson.h>

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

// The state keeps the last message (each status replaces it, none clears
// it, as Nagios's plugin output) and the last tags given (a status without
// tags keeps them); equal tag sets are one interned copy.
TEST(StatusEngine, KeepsTheLastMessageAndTags) {
    Engine engine(Config{});
    StatusEvent a = status(State::critical, 30);
    simdjson::dom::parser p1, p2, p3;
    a.message = p1.parse(std::string_view(R"("HTTP CRITICAL - 503")")).value();
    a.tags = p2.parse(std::string_view(R"({"role":"frontend_web","dc":"b"})")).value();
    engine.apply(a, 100);
    IdentityEntry* e = engine.table().find("web1", "http");
    ASSERT_NE(e, nullptr);
    ASSERT_NE(e->message, nullptr);
    EXPECT_EQ(e->message->text(), R"("HTTP CRITICAL - 503")");
    ASSERT_NE(e->tags, nullptr);
    EXPECT_EQ(e->tags->text(), R"({"dc":"b","role":"frontend_web"})");  // canonical: keys in byte order

    StatusEvent b = status(State::critical);
    b.subject = "web2";
    b.tags = p3.parse(std::string_view(R"({"dc":"b","role":"frontend_web"})")).value();
    engine.apply(b, 101);
    IdentityEntry* e2 = engine.table().find("web2", "http");
    EXPECT_EQ(e2->tags, e->tags);  // one interned set
    EXPECT_EQ(engine.table().tag_sets(), 1u);

    StatusEvent c = status(State::ok, 30);  // no message, no tags
    engine.apply(c, 110);
    EXPECT_EQ(e->message, nullptr);
    ASSERT_NE(e->tags, nullptr);
    EXPECT_EQ(e->tags->text(), R"({"dc":"b","role":"frontend_web"})");

    // Expiry says why: its message becomes the identity's.
    ASSERT_TRUE(engine.expire_next(200));
    ASSERT_NE(e->message, nullptr);
    EXPECT_EQ(e->message->text(), R"("no status within ttl 30s")");
}

TEST(StatusEngine, FlapHistoryStartsAtOkWhateverTheInitialState) {
    Config c;
    c.initial = State::critical;
    Engine engine(c);
    engine.apply(status(State::critical), 1);
    IdentityEntry* e = engine.table().find("web1", "http");
    EXPECT_EQ(e->state.flap, 1u);  // ok (the history's start) -> critical is a change
    engine.apply(status(State::critical), 2);
    EXPECT_EQ(e->state.flap, 2u);
}

TEST(StatusEngine, SoftProblemsStayOutOfTheFlapHistory) {
    Config c;
    c.confirm = 3;
    Engine engine(c);
    engine.apply(status(State::critical), 1);
    engine.apply(status(State::critical), 2);
    IdentityEntry* e = engine.table().find("web1", "http");
    EXPECT_EQ(e->state.flap, 0u);
    EXPECT_EQ(e->state.flap_last, State::ok);
    engine.apply(status(State::critical), 3);  // hard: recorded
    EXPECT_EQ(e->state.flap, 1u);
    EXPECT_EQ(e->state.flap_last, State::critical);
    engine.apply(status(State::ok), 4);       // hard recovery: recorded
    engine.apply(status(State::warning), 5);  // soft: not recorded
    engine.apply(status(State::ok), 6);       // soft recovery: recorded, no change
    EXPECT_EQ(e->state.flap, 0b110u);         // critical, ok, ok: two changes
}

}  // namespace
}  // namespace ev::status
