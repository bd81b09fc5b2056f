#include "status/table.h"

#include <gtest/gtest.h>

namespace ev::status {
namespace {

TEST(StatusTable, SubjectAndNameStaySeparate) {
    IdentityTable t;
    bool inserted = false;
    IdentityEntry& ab_c = t.get("ab", "c", IdentityState{}, inserted);
    EXPECT_TRUE(inserted);
    IdentityEntry& a_bc = t.get("a", "bc", IdentityState{}, inserted);
    EXPECT_TRUE(inserted);
    EXPECT_NE(&ab_c, &a_bc);
    EXPECT_EQ(ab_c.subject(), "ab");
    EXPECT_EQ(ab_c.name(), "c");
    IdentityEntry& nul = t.get(std::string_view("a\0b", 3), "c", IdentityState{}, inserted);
    EXPECT_EQ(nul.subject(), std::string_view("a\0b", 3));
    EXPECT_EQ(nul.name(), "c");
    EXPECT_EQ(t.find("ab", "c"), &ab_c);
    EXPECT_EQ(t.size(), 3u);
}

TEST(StatusTable, GrowsAndFindsEveryEntry) {
    IdentityTable t;
    bool inserted = false;
    std::vector<IdentityEntry*> entries;
    for (int i = 0; i < 5000; ++i) {
        entries.push_back(&t.get("host" + std::to_string(i), "check", IdentityState{}, inserted));
        ASSERT_TRUE(inserted);
    }
    for (int i = 0; i < 5000; ++i) {
        ASSERT_EQ(t.find("host" + std::to_string(i), "check"), entries[static_cast<std::size_t>(i)]);
    }
    EXPECT_EQ(t.find("host5000", "check"), nullptr);
    EXPECT_EQ(t.size(), 5000u);
}

TEST(StatusTable, GetInsertsOnceThenFinds) {
    IdentityTable t;
    bool inserted = false;
    IdentityState fresh;
    fresh.state = State::warning;
    t.get("web1", "http", fresh, inserted).state.seen = 5;
    EXPECT_TRUE(inserted);
    IdentityEntry& again = t.get("web1", "http", IdentityState{}, inserted);
    EXPECT_FALSE(inserted);
    EXPECT_EQ(again.state.state, State::warning);
    EXPECT_EQ(again.state.seen, 5);
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
    EXPECT_EQ(b.state.deadline, 0);
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
    EXPECT_EQ(t.next_deadline(), 100000);
    // Each refresh leaves a stale item; they go once they outnumber the
    // armed entries, so memory follows the identities, not the refreshes.
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

// Random arms, refreshes and disarms, with expiries interleaved; every pop
// must be the earliest (deadline, subject, name) among the armed entries,
// as a full scan says. by_ttl: deadlines are now + the entry's ttl (one of
// three), as statuses arm them on a clock that never runs back (the FIFO
// per ttl); otherwise any deadline, earlier ones included (the heap).
void expect_brute_force_order(bool by_ttl) {
    IdentityTable t;
    bool inserted = false;
    std::vector<IdentityEntry*> entries;
    for (int i = 0; i < 300; ++i) {
        entries.push_back(&t.get("h" + std::to_string(i % 37), "n" + std::to_string(i), IdentityState{}, inserted));
    }
    uint64_t rng = 12345;
    auto next = [&rng]() {
        rng = rng * 6364136223846793005ULL + 1442695040888963407ULL;
        return rng >> 33;
    };
    double now = 0;
    for (int round = 0; round < 20000; ++round) {
        IdentityEntry* e = entries[next() % entries.size()];
        uint64_t op = next() % 10;
        if (op < 6) {
            if (by_ttl) {
                e->state.ttl = static_cast<double>(5 + 10 * (next() % 3));
                t.arm(*e, now + e->state.ttl);  // ties are common: now moves in whole steps
            } else {
                t.arm(*e, now + 1 + static_cast<double>(next() % 50));
            }
        } else if (op < 7) {
            t.arm(*e, 0);
        } else {
            now += static_cast<double>(next() % 3);
            double at = 0;
            while (IdentityEntry* popped = t.pop_expired(now, &at)) {
                IdentityEntry* best = nullptr;
                double best_deadline = 0;
                for (IdentityEntry* c : entries) {
                    double d = c == popped ? at : c->state.deadline;
                    if (d <= 0) {
                        continue;
                    }
                    if (best == nullptr || d < best_deadline ||
                        (d == best_deadline && (c->subject() < best->subject() ||
                                                (c->subject() == best->subject() && c->name() < best->name())))) {
                        best = c;
                        best_deadline = d;
                    }
                }
                ASSERT_EQ(popped, best) << "round " << round;
                ASSERT_EQ(at, best_deadline);
                ASSERT_LT(at, now);
            }
            for (IdentityEntry* c : entries) {
                ASSERT_FALSE(c->state.deadline > 0 && c->state.deadline < now) << "due but not popped";
            }
            double earliest = 0;
            for (IdentityEntry* c : entries) {
                if (c->state.deadline > 0 && (earliest == 0 || c->state.deadline < earliest)) {
                    earliest = c->state.deadline;
                }
            }
            ASSERT_EQ(t.next_deadline(), earliest) << "round " << round;
        }
    }
}

TEST(StatusTable, ExpiryOrderMatchesABruteForceReference) {
    expect_brute_force_order(false);
}

TEST(StatusTable, ExpiryOrderByTtlMatchesABruteForceReference) {
    expect_brute_force_order(true);
}

TEST(StatusTable, SortedBySubjectThenName) {
    IdentityTable t;
    bool inserted = false;
    t.get("bb", "a", IdentityState{}, inserted);
    t.get("a", "z", IdentityState{}, inserted);
    t.get("a", "b", IdentityState{}, inserted);
    auto sorted = t.sorted();
    ASSERT_EQ(sorted.size(), 3u);
    EXPECT_EQ(sorted[0]->subject(), "a");
    EXPECT_EQ(sorted[0]->name(), "b");
    EXPECT_EQ(sorted[1]->name(), "z");
    EXPECT_EQ(sorted[2]->subject(), "bb");
}

TEST(StatusTable, TagSetsAreInternedAndReleased) {
    IdentityTable t;
    bool inserted = false;
    auto& a = t.get("a", "n", IdentityState{}, inserted);
    auto& b = t.get("b", "n", IdentityState{}, inserted);
    t.set_tags(a, R"({"role":"web"})");
    t.set_tags(b, R"({"role":"web"})");
    EXPECT_EQ(a.tags, b.tags);
    EXPECT_EQ(t.tag_sets(), 1u);
    t.set_tags(b, R"({"role":"db"})");
    EXPECT_EQ(t.tag_sets(), 2u);
    t.set_tags(a, {});
    EXPECT_EQ(a.tags, nullptr);
    EXPECT_EQ(t.tag_sets(), 1u);  // nobody holds role=web any more
    t.set_message(a, R"("short")");
    MessageText* block = a.message;
    t.set_message(a, R"("shor")");
    EXPECT_EQ(a.message, block);  // reused while it fits
    EXPECT_EQ(a.message->text(), R"("shor")");
}

TEST(StatusTable, EraseIfDropsEntriesAndTheirDeadlines) {
    IdentityTable t;
    bool inserted = false;
    for (int i = 0; i < 100; ++i) {
        auto& e = t.get("host" + std::to_string(i), "n", IdentityState{}, inserted);
        t.arm(e, 1000 + i);
        t.set_tags(e, i % 2 == 0 ? R"({"even":true})" : R"({"even":false})");
    }
    std::size_t erased = t.erase_if([](const IdentityEntry& e) { return e.subject().size() == 5; });  // host0..9
    EXPECT_EQ(erased, 10u);
    EXPECT_EQ(t.size(), 90u);
    EXPECT_EQ(t.find("host3", "n"), nullptr);
    ASSERT_NE(t.find("host42", "n"), nullptr);
    EXPECT_EQ(t.next_deadline(), 1010);
    double deadline = 0;
    EXPECT_EQ(t.pop_expired(1011, &deadline)->subject(), "host10");
    EXPECT_EQ(t.erase_if([](const IdentityEntry&) { return true; }), 90u);
    EXPECT_EQ(t.tag_sets(), 0u);
    EXPECT_EQ(t.next_deadline(), 0);
}

TEST(StatusTable, MemoryPerIdentityUnderTarget) {
    IdentityTable t;
    bool inserted = false;
    for (int i = 0; i < 10000; ++i) {
        auto& e = t.get("host" + std::to_string(i) + ".dc1.example.com", "check_http", IdentityState{}, inserted);
        t.arm(e, 100 + i);
    }
    EXPECT_LE(t.bytes_overhead() / t.size(), 300u);
    EXPECT_EQ(sizeof(IdentityState), 48u);
    EXPECT_EQ(sizeof(IdentityEntry), 72u);
}

}  // namespace
}  // namespace ev::status
