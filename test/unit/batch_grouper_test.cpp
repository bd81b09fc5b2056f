// Tests for lib/batch/grouper.cpp: Alertmanager timing on fake time.
#include <gtest/gtest.h>

#include <algorithm>

#include "batch/grouper.h"
#include "core/id.h"

namespace ev::batch {
namespace {

GroupTiming timing() {
    GroupTiming t;
    t.wait = 30;
    t.interval = 300;
    t.repeat = 3600;
    return t;
}

void add(Grouper& g, const char* subject, State state, double now, const char* key = "k") {
    g.add(key, subject, "check_puppet_run", state, std::string("id-") + subject, "{}", now);
}

std::vector<Notification> advance(Grouper& g, double now) {
    std::vector<Notification> out;
    g.advance(now, out);
    return out;
}

TEST(BatchGrouper, FirstNotificationAfterWait) {
    Grouper g(timing());
    add(g, "web1", State::critical, 100);
    add(g, "web2", State::warning, 110);
    EXPECT_TRUE(advance(g, 129).empty());
    auto n = advance(g, 130);
    ASSERT_EQ(n.size(), 1u);
    EXPECT_EQ(n[0].reason, "new");
    EXPECT_EQ(n[0].time, 130);
    EXPECT_EQ(n[0].since, 100);
    EXPECT_EQ(n[0].state, State::critical);
    EXPECT_EQ(n[0].firing, 2u);
    EXPECT_EQ(n[0].name, "check_puppet_run");
    EXPECT_FALSE(n[0].previous.has_value());
    EXPECT_EQ(notification_message(n[0]), "2 hosts CRITICAL on check_puppet_run: web1, web2");
}

TEST(BatchGrouper, ChangesWaitForTheInterval) {
    Grouper g(timing());
    add(g, "web1", State::critical, 100);
    advance(g, 130);
    add(g, "web2", State::critical, 140);
    EXPECT_TRUE(advance(g, 429).empty());
    auto n = advance(g, 430);
    ASSERT_EQ(n.size(), 1u);
    EXPECT_EQ(n[0].reason, "changed");
    EXPECT_EQ(n[0].previous, State::critical);
}

TEST(BatchGrouper, SameStateAgainIsNoChange) {
    Grouper g(timing());
    add(g, "web1", State::critical, 100);
    advance(g, 130);
    add(g, "web1", State::critical, 200);
    EXPECT_TRUE(advance(g, 1000).empty());
}

TEST(BatchGrouper, RepeatsOnTheFirstTickAfterMoreThanRepeat) {
    // Alertmanager repeats when the last notification is before now - repeat
    // (strictly), so with ticks every 5m a 1h repeat falls 1h05m after.
    Grouper g(timing());
    add(g, "web1", State::critical, 100);
    advance(g, 130);
    EXPECT_TRUE(advance(g, 130 + 3600).empty());
    auto n = advance(g, 130 + 3600 + 300);
    ASSERT_EQ(n.size(), 1u);
    EXPECT_EQ(n[0].reason, "repeat");
    EXPECT_EQ(n[0].time, 4030);
}

TEST(BatchGrouper, ResolvesOnceAllMembersAreOk) {
    Grouper g(timing());
    add(g, "web1", State::critical, 100);
    add(g, "web2", State::critical, 101);
    advance(g, 130);
    add(g, "web1", State::ok, 200);
    auto n = advance(g, 430);
    ASSERT_EQ(n.size(), 1u);
    EXPECT_EQ(n[0].reason, "changed");
    EXPECT_EQ(n[0].members.size(), 2u);
    EXPECT_EQ(notification_message(n[0]), "1 host CRITICAL on check_puppet_run: web2");
    add(g, "web2", State::ok, 500);
    n = advance(g, 730);
    ASSERT_EQ(n.size(), 1u);
    EXPECT_EQ(n[0].reason, "resolved");
    EXPECT_EQ(n[0].state, State::ok);
    ASSERT_EQ(n[0].members.size(), 1u);  // web1's resolve was already sent
    EXPECT_EQ(g.groups(), 0u);
    EXPECT_FALSE(g.next_due().has_value());
}

TEST(BatchGrouper, NoResolveOption) {
    GroupTiming t = timing();
    t.send_resolved = false;
    Grouper g(t);
    add(g, "web1", State::critical, 100);
    advance(g, 130);
    add(g, "web1", State::ok, 200);
    EXPECT_TRUE(advance(g, 10000).empty());
    EXPECT_EQ(g.groups(), 0u);
}

TEST(BatchGrouper, ResolvedWithinWaitIsSilent) {
    Grouper g(timing());
    add(g, "web1", State::critical, 100);
    add(g, "web1", State::ok, 110);
    EXPECT_TRUE(advance(g, 1000).empty());
    EXPECT_EQ(g.groups(), 0u);
}

TEST(BatchGrouper, OkForUnknownIdentityIsIgnored) {
    Grouper g(timing());
    add(g, "web1", State::ok, 100);
    EXPECT_EQ(g.groups(), 0u);
}

TEST(BatchGrouper, MemberMovesBetweenGroups) {
    Grouper g(timing());
    add(g, "web1", State::warning, 100, "warning");
    add(g, "web1", State::critical, 110, "critical");
    auto n = advance(g, 1000);
    ASSERT_EQ(n.size(), 1u);  // the emptied warning group never notified
    EXPECT_EQ(n[0].key, "critical");
}

TEST(BatchGrouper, FlushSendsPendingChangesAtNow) {
    Grouper g(timing());
    add(g, "web1", State::critical, 100, "a");
    add(g, "web2", State::critical, 105, "b");
    std::vector<Notification> n;
    g.flush(110, n);
    ASSERT_EQ(n.size(), 2u);
    EXPECT_EQ(n[0].key, "a");
    EXPECT_EQ(n[1].key, "b");
    EXPECT_EQ(n[0].time, 110);
    EXPECT_EQ(g.groups(), 0u);
}

TEST(BatchGrouper, MessageListsAtMostTenSubjects) {
    Grouper g(timing());
    for (int i = 0; i < 12; ++i) {
        add(g, ("h" + std::to_string(10 + i)).c_str(), State::critical, 100);
    }
    auto n = advance(g, 130);
    ASSERT_EQ(n.size(), 1u);
    EXPECT_EQ(notification_message(n[0]),
              "12 hosts CRITICAL on check_puppet_run: h10, h11, h12, h13, h14, h15, h16, h17, h18, h19 and 2 more");
}

TEST(BatchGrouper, MixedNamesUseTheKey) {
    Grouper g(timing());
    g.add("dc1", "web1", "check_a", State::critical, "", "{}", 100);
    g.add("dc1", "web2", "check_b", State::warning, "", "{}", 100);
    auto n = advance(g, 130);
    ASSERT_EQ(n.size(), 1u);
    EXPECT_EQ(n[0].name, "dc1");
}

Notification two_members() {
    Notification n;
    n.key = "check_http/critical";
    n.reason = "new";
    n.time = 130;
    n.members.push_back(NotifiedMember{"web1", "check_http", State::critical, "1", "{}", 100});
    n.members.push_back(NotifiedMember{"web2", "check_http", State::critical, "2", "{}", 110.5});
    return n;
}

TEST(BatchGrouper, NotificationIdsComeFromTheMembersNotTheClock) {
    Notification n = two_members();
    std::string id = notification_id(n);
    EXPECT_EQ(id.size(), 26u);
    // On the wall clock a replay notifies at another time: the same id.
    n.time = 1790000000;
    EXPECT_EQ(notification_id(n), id);
    // The time part is the latest member event's time (110.5 s).
    Derivation first;
    first.time = 110.5;
    EXPECT_EQ(id.substr(0, 10), derived_id(first).substr(0, 10));
    // Each of the rest makes another notification.
    std::vector<Notification> others(7, two_members());
    others[0].members[1].id = "3";
    others[1].members[0].state = State::ok;
    others[2].reason = "repeat";
    others[3].key = "check_http/warning";
    others[4].number = 1;
    others[5].members.pop_back();
    others[6].members[0].id.clear();  // known by its line then
    for (const Notification& other : others) {
        EXPECT_NE(notification_id(other), id);
    }
    // A command's result has an id of its own, per command.
    EXPECT_NE(notification_id(n, "4:page"), id);
    EXPECT_NE(notification_id(n, "4:page"), notification_id(n, "4:mail"));
    EXPECT_EQ(notification_id(n, "4:page"), notification_id(two_members(), "4:page"));
}

TEST(BatchGrouper, NotificationsOfAGroupAreNumbered) {
    Grouper g(timing());
    add(g, "web1", State::critical, 100);
    auto first = advance(g, 130);
    ASSERT_EQ(first.size(), 1u);
    EXPECT_EQ(first[0].number, 0u);
    auto repeat = advance(g, 130 + 3900);
    ASSERT_EQ(repeat.size(), 1u);
    EXPECT_EQ(repeat[0].reason, "repeat");
    EXPECT_EQ(repeat[0].number, 1u);
    // Members unchanged, yet the repeat is another notification.
    EXPECT_NE(notification_id(first[0]), notification_id(repeat[0]));
}

// The rules below follow Alertmanager's notify/dedup_stage.go (needsUpdate):
// a group notifies when its firing members are not a subset of those it
// last notified, when all of them resolved, when (send_resolved) its
// resolved members are not a subset of those it last notified resolved, or
// when repeat_interval has passed; resolved members leave after each look.

TEST(BatchGrouper, AFlapWithinAnIntervalSendsNothingNew) {
    Grouper g(timing());
    add(g, "web1", State::critical, 100);
    ASSERT_EQ(advance(g, 130).size(), 1u);
    add(g, "web1", State::ok, 200);
    add(g, "web1", State::critical, 250);
    EXPECT_TRUE(advance(g, 130 + 3600).empty());  // every interval tick in between: the same as last sent
    auto n = advance(g, 130 + 3900);
    ASSERT_EQ(n.size(), 1u);
    EXPECT_EQ(n[0].reason, "repeat");
}

TEST(BatchGrouper, AFlapThatStaysResolvedAtTheTickIsAChange) {
    Grouper g(timing());
    add(g, "web1", State::critical, 100);
    add(g, "web2", State::critical, 100);
    advance(g, 130);
    add(g, "web1", State::ok, 200);
    add(g, "web1", State::critical, 250);
    add(g, "web1", State::ok, 300);
    auto n = advance(g, 430);
    ASSERT_EQ(n.size(), 1u);
    EXPECT_EQ(n[0].reason, "changed");
    EXPECT_EQ(n[0].firing, 1u);
}

TEST(BatchGrouper, AStateChangeWithinTheGroupIsNews) {
    // Under --by name the state is not in the key; a member's state is part
    // of what was sent, as a severity label is part of an alert's identity.
    Grouper g(timing());
    add(g, "web1", State::warning, 100);
    advance(g, 130);
    add(g, "web1", State::critical, 200);
    auto n = advance(g, 430);
    ASSERT_EQ(n.size(), 1u);
    EXPECT_EQ(n[0].reason, "changed");
    EXPECT_EQ(n[0].state, State::critical);
}

TEST(BatchGrouper, ALeaverIsResolvedInItsOldGroup) {
    Grouper g(timing());
    add(g, "web1", State::warning, 100, "check/warning");
    add(g, "web2", State::warning, 100, "check/warning");
    ASSERT_EQ(advance(g, 130).size(), 1u);
    add(g, "web1", State::critical, 200, "check/critical");
    auto n = advance(g, 430);
    ASSERT_EQ(n.size(), 2u);
    EXPECT_EQ(n[0].key, "check/critical");
    EXPECT_EQ(n[0].reason, "new");
    EXPECT_EQ(n[1].key, "check/warning");
    EXPECT_EQ(n[1].reason, "changed");
    EXPECT_EQ(n[1].firing, 1u);
    ASSERT_EQ(n[1].members.size(), 2u);
    EXPECT_EQ(n[1].members[0].subject, "web1");
    EXPECT_EQ(n[1].members[0].state, State::ok);
    EXPECT_EQ(n[1].members[0].moved_to, "check/critical");
    EXPECT_EQ(n[1].members[0].id, "id-web1");
    EXPECT_EQ(n[1].members[1].moved_to, "");
    // Said once: the next ticks have nothing new for the warning group.
    EXPECT_TRUE(advance(g, 730).empty());
}

TEST(BatchGrouper, AGroupEmptiedByEscalationsSendsItsResolve) {
    Grouper g(timing());
    add(g, "web1", State::warning, 100, "check/warning");
    add(g, "web2", State::warning, 100, "check/warning");
    advance(g, 130);
    add(g, "web1", State::critical, 200, "check/critical");
    add(g, "web2", State::critical, 210, "check/critical");
    auto n = advance(g, 430);
    ASSERT_EQ(n.size(), 2u);
    EXPECT_EQ(n[1].key, "check/warning");
    EXPECT_EQ(n[1].reason, "resolved");
    EXPECT_EQ(n[1].state, State::ok);
    EXPECT_EQ(n[1].members.size(), 2u);
    EXPECT_EQ(notification_message(n[1]), "2 hosts OK on check_puppet_run: web1, web2");
    EXPECT_EQ(g.groups(), 1u);  // the warning group is gone
}

TEST(BatchGrouper, ALeaverThatComesBackIsAMemberAgain) {
    Grouper g(timing());
    add(g, "web1", State::warning, 100, "check/warning");
    advance(g, 130);
    add(g, "web1", State::critical, 200, "check/critical");
    add(g, "web1", State::warning, 210, "check/warning");
    auto n = advance(g, 430);
    // The warning group has web1 firing as it last said; the critical group
    // never notified and is empty.
    EXPECT_TRUE(n.empty());
    EXPECT_EQ(g.groups(), 1u);
}

TEST(BatchGrouper, NoResolveIgnoresPartialResolves) {
    GroupTiming t = timing();
    t.send_resolved = false;
    Grouper g(t);
    add(g, "web1", State::critical, 100);
    add(g, "web2", State::critical, 100);
    advance(g, 130);
    add(g, "web1", State::ok, 200);
    EXPECT_TRUE(advance(g, 430).empty());
    add(g, "web3", State::critical, 500);
    auto n = advance(g, 730);
    ASSERT_EQ(n.size(), 1u);
    EXPECT_EQ(n[0].reason, "changed");
    ASSERT_EQ(n[0].members.size(), 2u);  // web1 left at the look that saw it resolved
    EXPECT_EQ(n[0].members[0].subject, "web2");
    EXPECT_EQ(n[0].members[1].subject, "web3");
    add(g, "web2", State::ok, 800);
    add(g, "web3", State::ok, 800);
    EXPECT_TRUE(advance(g, 100000).empty());
    EXPECT_EQ(g.groups(), 0u);
}

TEST(BatchGrouper, NoResolveStillRepeats) {
    GroupTiming t = timing();
    t.send_resolved = false;
    Grouper g(t);
    add(g, "web1", State::critical, 100);
    add(g, "web2", State::critical, 100);
    advance(g, 130);
    add(g, "web1", State::ok, 200);
    auto n = advance(g, 130 + 3900);
    ASSERT_EQ(n.size(), 1u);
    EXPECT_EQ(n[0].reason, "repeat");
    EXPECT_EQ(n[0].firing, 1u);
}

// A muter that mutes the subjects in a set between two times.
struct Mutes {
    std::vector<std::string> subjects;
    double from = 0;
    double until = 1e18;
    Muter muter() {
        return [this](std::string_view subject, std::string_view, std::string_view, double now) {
            return now >= from && now < until && std::find(subjects.begin(), subjects.end(), subject) != subjects.end();
        };
    }
};

TEST(BatchGrouper, MutedMembersSendNothingAndNotifyOnceUnmuted) {
    Mutes mutes{{"web1"}, 0, 1000};
    Grouper g(timing());
    g.set_muter(mutes.muter());
    add(g, "web1", State::critical, 100);
    EXPECT_TRUE(advance(g, 999).empty());
    EXPECT_EQ(g.groups(), 1u);  // kept while it fires, muted
    auto n = advance(g, 1030);  // the group's next tick after the silence ended
    ASSERT_EQ(n.size(), 1u);
    EXPECT_EQ(n[0].reason, "new");
    EXPECT_EQ(n[0].time, 1030);
}

TEST(BatchGrouper, MutedMembersAreLeftOutOfNotifications) {
    Mutes mutes{{"web2"}};
    Grouper g(timing());
    g.set_muter(mutes.muter());
    add(g, "web1", State::critical, 100);
    add(g, "web2", State::critical, 100);
    auto n = advance(g, 130);
    ASSERT_EQ(n.size(), 1u);
    EXPECT_EQ(n[0].firing, 1u);
    ASSERT_EQ(n[0].members.size(), 1u);
    EXPECT_EQ(n[0].members[0].subject, "web1");
    // web1 resolves while web2 is muted: for the receiver all is resolved.
    add(g, "web1", State::ok, 200);
    n = advance(g, 430);
    ASSERT_EQ(n.size(), 1u);
    EXPECT_EQ(n[0].reason, "resolved");
    EXPECT_EQ(g.groups(), 1u);  // web2 still fires, muted
    mutes.until = 500;
    n = advance(g, 730);
    ASSERT_EQ(n.size(), 1u);
    EXPECT_EQ(n[0].reason, "new");  // after a resolve, the first notification again
    EXPECT_EQ(n[0].members[0].subject, "web2");
}

TEST(BatchGrouper, ASilenceOverAnAlreadyNotifiedMemberWaitsForTheRepeat) {
    Mutes mutes{{"web1"}, 200, 1000};
    Grouper g(timing());
    g.set_muter(mutes.muter());
    add(g, "web1", State::critical, 100);
    ASSERT_EQ(advance(g, 130).size(), 1u);
    // Muted from 200 to 1000: nothing, and the log still holds web1 firing,
    // so its end brings nothing new until the repeat.
    EXPECT_TRUE(advance(g, 130 + 3600).empty());
    auto n = advance(g, 130 + 3900);
    ASSERT_EQ(n.size(), 1u);
    EXPECT_EQ(n[0].reason, "repeat");
}

}  // namespace
}  // namespace ev::batch
