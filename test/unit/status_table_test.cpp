#include "status/table.h"

#include <gtest/gtest.h>

namespace ev::status {
namespace {

TEST(StatusTable, KeysSeparateSubjectAndName) {
    std::string a, b;
    make_key("ab", "c", a);
    make_key("a", "bc", b);
    EXPECT_NE(a, b);
    EXPECT_EQ(key_subject(a), "ab");
    EXPECT_EQ(key_name(a), "c");
    std::string nul;
    make_key(std::string_view("a\0b", 3), "c", nul);
    EXPECT_EQ(key_subject(nul), std::string_view("a\0b", 3));
    EXPECT_EQ(key_name(nul), "c");
}

TEST(StatusTable, GetInsertsOnceThenFinds) {
    IdentityTable t;
    bool inserted = false;
    IdentityState fresh;
    fresh.state = State::warning;
    t.get("web1", "http", fresh, inserted).second.seen = 5;
    EXPECT_TRUE(inserted);
    IdentityEntry& again = t.get("web1", "http", IdentityState{}, inserted);
    EXPECT_FALSE(inserted);
    EXPECT_EQ(again.second.state, State::warning);
    EXPECT_EQ(again.second.seen, 5);
    EXPECT_EQ(t.size(), 1u);
    EXPECT_EQ(t.find("web1", "disk"), nullptr);
}

TEST(StatusTable, ExpiresInDeadlineThenKeyOrder) {
    IdentityTable t;
    bool inserted = false;
    auto& b = t.get("b", "x", IdentityState{}, inserted);
    auto& a = t.get("a", "x", IdentityState{}, inserted);
    auto& c = t.get("c", "x", IdentityState{}, inserted);
    t.arm(b, 10);
    t.arm(a, 10);
    t.arm(c, 5);
    double at = 0;
    EXPECT_EQ(t.pop_expired(5, &at), nullptr);  // strictly before now only
    EXPECT_EQ(t.pop_expired(11, &at), &c);
    EXPECT_EQ(at, 5);
    EXPECT_EQ(t.pop_expired(11, &at), &a);
    EXPECT_EQ(t.pop_expired(11, &at), &b);
    EXPECT_EQ(t.pop_expired(11, &at), nullptr);
    EXPECT_EQ(b.second.deadline, 0);
}

TEST(StatusTable, RearmingReplacesTheOldDeadline) {
    IdentityTable t;
    bool inserted = false;
    auto& a = t.get("a", "x", IdentityState{}, inserted);
    t.arm(a, 10);
    t.arm(a, 20);
    double at = 0;
    EXPECT_EQ(t.pop_expired(15, &at), nullptr);
    EXPECT_EQ(t.next_deadline(), 20);
    t.arm(a, 0);
    EXPECT_EQ(t.next_deadline(), 0);
    EXPECT_EQ(t.pop_expired(100, &at), nullptr);
}

TEST(StatusTable, QueueStaysBoundedUnderManyRefreshes) {
    IdentityTable t;
    bool inserted = false;
    auto& a = t.get("a", "x", IdentityState{}, inserted);
    for (int i = 1; i <= 100000; ++i) {
        t.arm(a, i);
    }
    EXPECT_LE(t.next_deadline(), 100000);  // a lower bound, for timers
    // Refreshes to a later deadline queue nothing new.
    EXPECT_LT(t.bytes_overhead(), 64 * 1024u);
    double at = 0;
    EXPECT_EQ(t.pop_expired(100000, &at), nullptr);
    EXPECT_EQ(t.pop_expired(100000.5, &at), &a);
    EXPECT_EQ(at, 100000);
    EXPECT_EQ(t.next_deadline(), 0);
}

TEST(StatusTable, EarlierDeadlineAfterALaterOne) {
    IdentityTable t;
    bool inserted = false;
    auto& a = t.get("a", "x", IdentityState{}, inserted);
    t.arm(a, 50);
    t.arm(a, 10);  // a shorter ttl: must fire at 10, not 50
    double at = 0;
    EXPECT_EQ(t.pop_expired(11, &at), &a);
    EXPECT_EQ(at, 10);
    EXPECT_EQ(t.pop_expired(100, &at), nullptr);  // the item at 50 is stale
}

TEST(StatusTable, SortedBySubjectThenName) {
    IdentityTable t;
    bool inserted = false;
    t.get("bb", "a", IdentityState{}, inserted);
    t.get("a", "z", IdentityState{}, inserted);
    t.get("a", "b", IdentityState{}, inserted);
    auto sorted = t.sorted();
    ASSERT_EQ(sorted.size(), 3u);
    EXPECT_EQ(key_subject(sorted[0]->first), "a");
    EXPECT_EQ(key_name(sorted[0]->first), "b");
    EXPECT_EQ(key_name(sorted[1]->first), "z");
    EXPECT_EQ(key_subject(sorted[2]->first), "bb");
}

TEST(StatusTable, MemoryPerIdentityUnderTarget) {
    IdentityTable t;
    bool inserted = false;
    for (int i = 0; i < 10000; ++i) {
        auto& e = t.get("host" + std::to_string(i) + ".dc1.example.com", "check_http", IdentityState{}, inserted);
        t.arm(e, 100 + i);
    }
    EXPECT_LE(t.bytes_overhead() / t.size(), 300u);
    EXPECT_EQ(sizeof(IdentityState), 40u);
}

}  // namespace
}  // namespace ev::status
