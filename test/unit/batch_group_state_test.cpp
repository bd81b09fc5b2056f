// Tests for lib/batch/group_state.cpp and grouper_state.cpp: a Grouper
// saved mid-incident and loaded into a fresh one behaves as if it had never
// stopped; bad files are refused with a reason.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "batch/group_state.h"

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
    g.add(key, subject, "disk", state, std::string("id-") + subject, "{\"x\":\"\\u0000\"}", now, {}, now);
}

std::vector<Notification> advance(Grouper& g, double now) {
    std::vector<Notification> out;
    g.advance(now, out);
    return out;
}

// Saves a and loads the bytes into a new Grouper.
std::unique_ptr<Grouper> reload(const Grouper& a, double now) {
    auto b = std::make_unique<Grouper>(timing());
    auto info = parse_group_state(encode_group_state(a, true, now), true, *b);
    EXPECT_TRUE(info) << (info ? "" : info.error());
    EXPECT_EQ(info->now, now);
    return b;
}

TEST(BatchGroupState, RestartedMidIncidentNeitherPagesAgainNorForgetsTheResolve) {
    Grouper whole(timing());
    Grouper first(timing());
    for (Grouper* g : {&whole, &first}) {
        add(*g, "web1", State::critical, 100);
        add(*g, "web2", State::critical, 101);
        ASSERT_EQ(advance(*g, 130).size(), 1u);
    }
    auto second = reload(first, 131);
    EXPECT_EQ(second->groups(), 1u);
    for (Grouper* g : {&whole, second.get()}) {
        add(*g, "web1", State::ok, 200);
        add(*g, "web2", State::ok, 201);
    }
    auto expected = advance(whole, 430);
    auto got = advance(*second, 430);
    ASSERT_EQ(got.size(), 1u);
    ASSERT_EQ(expected.size(), 1u);
    EXPECT_EQ(got[0].reason, "resolved");
    EXPECT_EQ(got[0].previous, State::critical);
    EXPECT_EQ(got[0].number, 1u);
    EXPECT_EQ(notification_id(got[0]), notification_id(expected[0]));
    EXPECT_EQ(second->groups(), 0u);
}

TEST(BatchGroupState, TimersKeepTheirDueTimes) {
    Grouper g(timing());
    add(g, "web1", State::critical, 100);
    auto b = reload(g, 110);
    EXPECT_EQ(b->next_due(), 130);
    EXPECT_TRUE(advance(*b, 129).empty());
    // Event time: the ticks missed run at their own times, as without a stop.
    auto n = advance(*b, 1000);
    ASSERT_EQ(n.size(), 1u);
    EXPECT_EQ(n[0].reason, "new");
    EXPECT_EQ(n[0].time, 130);
    EXPECT_EQ(b->next_due(), 1030);
}

TEST(BatchGroupState, OnTheWallClockAPassedTimerFiresOnceAtStart) {
    GroupTiming t = timing();
    t.repeat = 600;
    Grouper g(t);
    add(g, "web1", State::critical, 100);
    ASSERT_EQ(advance(g, 130).size(), 1u);
    Grouper b(t);
    auto info = parse_group_state(encode_group_state(g, false, 0), false, b, 100000);
    ASSERT_TRUE(info) << info.error();
    EXPECT_EQ(b.next_due(), 100000);
    auto n = advance(b, 100000);  // stopped far longer than --repeat: one repeat, not one per interval
    ASSERT_EQ(n.size(), 1u);
    EXPECT_EQ(n[0].reason, "repeat");
    EXPECT_EQ(b.next_due(), 100300);
}

TEST(BatchGroupState, SavedBytesAreStable) {
    Grouper g(timing());
    add(g, "web1", State::critical, 100, "a");
    add(g, "web2", State::warning, 100, "b");
    add(g, "web1", State::warning, 105, "b");  // moves: left behind in a
    std::string bytes = encode_group_state(g, true, 105);
    auto b = reload(g, 105);
    EXPECT_EQ(encode_group_state(*b, true, 105), bytes);
}

TEST(BatchGroupState, BadFilesAreRefusedWithAReason) {
    struct Case {
        const char* text;
        const char* error;
    };
    for (
        const Case& c : {
            Case{"", "not a JSON state file"},
            Case{"[]", "not an evbatch group state file (no \"evbatch_group_state\" version)"},
            Case{R"({"evbatch_group_state":2})",
                 "state file version 2 is not supported (this evbatch reads version 1)"},
            Case{R"({"evbatch_group_state":1,"clock":"wall","now":0,"groups":[]})",
                 "saved with --clock wall, this run uses --clock event"},
            Case{R"({"evbatch_group_state":1,"clock":"event","now":0,"groups":{}})", "\"groups\" must be an array"},
            Case{
                R"({"evbatch_group_state":1,"clock":"event","now":0,"groups":[{"key":"k","created":0,"due":0,"changed":true,"notified":false,"last_notify":0,"last_state":"bad","notifications":0,"log_firing":[],"log_resolved":[],"members":[],"left":[]}]})",
                "group: \"last_state\": unknown state \"bad\""},
            Case{
                R"({"evbatch_group_state":1,"clock":"event","now":0,"groups":[{"key":"k","created":0,"due":0,"changed":true,"notified":false,"last_notify":0,"last_state":null,"notifications":0,"log_firing":[["a"]],"log_resolved":[],"members":[],"left":[]}]})",
                "group: \"log_firing\": each entry must be an array of 3 strings"},
        }) {
        Grouper g(timing());
        auto info = parse_group_state(c.text, true, g);
        ASSERT_FALSE(info) << c.text;
        EXPECT_EQ(info.error(), c.error);
        EXPECT_EQ(g.groups(), 0u);
    }
}

TEST(BatchGroupState, AMemberInTwoGroupsIsRefused) {
    Grouper g(timing());
    add(g, "web1", State::critical, 100, "a");
    std::string bytes = encode_group_state(g, true, 100);
    std::size_t groups_end = bytes.find("],\"positions\"");
    std::string group = bytes.substr(bytes.find("{\"key\""));
    group.resize(groups_end - bytes.find("{\"key\""));  // up to the end of "groups"
    std::string twice = bytes.substr(0, bytes.find("{\"key\"")) + group + "," + group;
    twice.replace(twice.rfind("\"key\":\"a\""), 9, "\"key\":\"b\"");
    twice += bytes.substr(groups_end);
    Grouper h(timing());
    auto info = parse_group_state(twice, true, h);
    ASSERT_FALSE(info);
    EXPECT_EQ(info.error(), "member web1 disk appears twice");
}

TEST(BatchGroupState, InputPositionsAreSavedAndLoadedBack) {
    Grouper g(timing());
    add(g, "web1", State::critical, 100);
    FilePosition p{"in.ndjson", 65024, 77, 4096, 0x0123456789abcdefULL, 123456};
    std::string bytes = encode_group_state(g, true, 100, {p});
    Grouper h(timing());
    auto info = parse_group_state(bytes, true, h);
    ASSERT_TRUE(info) << info.error();
    ASSERT_EQ(info->positions.size(), 1U);
    EXPECT_EQ(info->positions[0].path, "in.ndjson");
    EXPECT_EQ(info->positions[0].ino, 77U);
    EXPECT_EQ(info->positions[0].head_hash, 0x0123456789abcdefULL);
    EXPECT_EQ(info->positions[0].offset, 123456U);
    EXPECT_EQ(encode_group_state(h, true, 100, info->positions), bytes);
}

TEST(BatchGroupState, AFileWithoutPositionsLoadsWithNone) {
    Grouper g(timing());
    add(g, "web1", State::critical, 100);
    std::string bytes = encode_group_state(g, true, 100);
    bytes.replace(bytes.find(",\"positions\":[]"), 15, "");
    Grouper h(timing());
    auto info = parse_group_state(bytes, true, h);
    ASSERT_TRUE(info) << info.error();
    EXPECT_TRUE(info->positions.empty());
    EXPECT_EQ(h.groups(), 1U);
}

TEST(BatchGroupState, BadPositionsAreRefusedAndNothingLoads) {
    Grouper g(timing());
    add(g, "web1", State::critical, 100);
    std::string bytes = encode_group_state(g, true, 100);
    bytes.replace(bytes.find("\"positions\":[]"), 14, "\"positions\":[{\"kind\":\"file\",\"offset\":-1}]");
    Grouper h(timing());
    auto info = parse_group_state(bytes, true, h);
    ASSERT_FALSE(info);
    EXPECT_EQ(info.error(), "positions[0]: a bad file position");
    EXPECT_EQ(h.groups(), 0U);
}

}  // namespace
}  // namespace ev::batch
