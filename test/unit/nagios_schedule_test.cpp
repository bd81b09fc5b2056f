#include "nagios/schedule.h"

#include <gtest/gtest.h>

#include <cmath>

namespace ev::nagios {
namespace {

std::vector<CheckDef> defs(const char* text) {
    auto c = parse_config(text, "t");
    EXPECT_TRUE(c.ok()) << (c.ok() ? "" : c.error());
    return c.ok() ? c->checks : std::vector<CheckDef>{};
}

CheckDefaults no_splay() {
    CheckDefaults d;
    d.splay = false;
    d.subject = "host";
    return d;
}

TEST(NagiosSchedule, SplayIsWithinTheIntervalAndStable) {
    CheckDefaults d;
    Schedule s;
    s.load(defs("a 60s true\nb 60s true\nc 60s true\nd 60s true\n"), d, 1000);
    std::vector<double> firsts;
    for (const auto& slot : s.slots()) {
        EXPECT_GE(slot->next_due, 1000);
        EXPECT_LT(slot->next_due, 1060);
        EXPECT_EQ(slot->next_due, 1000 + splay_fraction(slot->def.name) * 60);
        firsts.push_back(slot->next_due);
    }
    std::sort(firsts.begin(), firsts.end());
    EXPECT_LT(std::unique(firsts.begin(), firsts.end()), firsts.end() + 1);
    EXPECT_NE(firsts.front(), firsts.back());  // not all at once
}

TEST(NagiosSchedule, DueOrderAndNextRun) {
    Schedule s;
    s.load(defs("a 10s true\nb 30s retry=5s true\n"), no_splay(), 100);
    auto due = s.due(100);
    ASSERT_EQ(due.size(), 2u);
    Schedule::started(*due[0]);
    Schedule::started(*due[1]);
    EXPECT_TRUE(s.due(100).empty());
    EXPECT_TRUE(std::isinf(s.next_due()));
    Schedule::completed(*due[0], State::ok, 101);
    EXPECT_EQ(due[0]->next_due, 110);  // from the due time, not the end: no drift
    Schedule::completed(*due[1], State::critical, 102);
    EXPECT_EQ(due[1]->next_due, 105);  // retry interval while not ok
    EXPECT_EQ(s.next_due(), 105);
}

TEST(NagiosSchedule, SlowRunSkipsMissedSlotsKeepingPhase) {
    Schedule s;
    s.load(defs("a 10s true\n"), no_splay(), 0);
    auto slot = s.due(0).front();
    Schedule::started(*slot);
    Schedule::completed(*slot, State::ok, 35);
    EXPECT_EQ(slot->next_due, 40);
    Schedule::started(*slot);
    Schedule::completed(*slot, State::ok, 50);  // ended exactly on a slot: the next one
    EXPECT_EQ(slot->next_due, 60);
}

TEST(NagiosSchedule, DefaultsAndTtl) {
    CheckDefaults d = no_splay();
    d.timeout = 20;
    d.tags = {{"dc", "ams"}, {"role", "x"}};
    Schedule s;
    s.load(defs("a 1m tag.role=web true\nb 1m timeout=5s ttl=0 subject=other true\n"), d, 0);
    const Slot& a = *s.slots()[0];
    EXPECT_EQ(a.info.ttl, 2 * 60 + 20);
    EXPECT_EQ(a.info.subject, "host");
    EXPECT_EQ(to_canonical(a.info.tags), R"({"dc":"ams","role":"web"})");
    EXPECT_EQ(a.command.timeout, 20);
    const Slot& b = *s.slots()[1];
    EXPECT_FALSE(b.info.ttl.has_value());
    EXPECT_EQ(b.info.subject, "other");
    EXPECT_EQ(b.command.timeout, 5);
}

TEST(NagiosSchedule, ReloadKeepsUnchangedRestartsChangedDropsRemoved) {
    Schedule s;
    s.load(defs("keep 10s true\nchange 10s true\ngone 10s true\n"), CheckDefaults{}, 0);
    auto keep = s.slots()[0];
    auto change = s.slots()[1];
    keep->next_due = 7.5;
    keep->running = true;
    s.load(defs("# moved down a line\nkeep 10s true\nchange 10s true -v\nnew 10s true\n"), CheckDefaults{}, 100);
    const auto& c = s.last_changes();
    EXPECT_EQ(c.kept, 1u);
    EXPECT_EQ(c.changed, 1u);
    EXPECT_EQ(c.added, 1u);
    EXPECT_EQ(c.removed, 1u);
    ASSERT_EQ(s.slots().size(), 3u);
    EXPECT_EQ(s.slots()[0], keep);
    EXPECT_EQ(keep->next_due, 7.5);
    EXPECT_TRUE(keep->running);
    EXPECT_EQ(keep->def.line, 2);
    EXPECT_NE(s.slots()[1], change);
    EXPECT_GE(s.slots()[1]->next_due, 100);
    EXPECT_EQ(s.slots()[2]->def.name, "new");
}

}  // namespace
}  // namespace ev::nagios
