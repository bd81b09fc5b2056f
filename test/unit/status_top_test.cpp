#include "status/top.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "status/state_file.h"

namespace ev::status {
namespace {

// A state file text with these identity lines (subject, name, state, since).
Snapshot snapshot_of(const std::vector<std::string>& rows) {
    std::string text = R"({"evstatus_state":2,"clock":"event","time":500,"count":)" + std::to_string(rows.size()) +
                       ",\"positions\":[]}\n";
    for (const std::string& row : rows) {
        text += row + "\n";
    }
    auto decoded = decode_state(text);
    EXPECT_TRUE(decoded) << decoded.error();
    return std::move(decoded).value();
}

std::string identity(const std::string& subject, const std::string& state, int since, const std::string& extra = "") {
    return R"({"subject":")" + subject + R"(","name":"n","state":")" + state + R"(","raw":")" + state +
           R"(","since":)" + std::to_string(since) + R"(,"seen":400,"ttl":0,"deadline":0,"soft":0,"flap":0,)" +
           R"("flap_last":")" + state + R"(","flapping":false,"expired":false)" + extra + "}";
}

std::vector<std::string> subjects_in_order(std::vector<Selected> selected) {
    sort_worst_first(selected);
    std::vector<std::string> out;
    for (const Selected& s : selected) {
        out.push_back(s.identity->subject);
    }
    return out;
}

TEST(StatusTop, WorstFirstThenLongestInItsStateThenSubject) {
    Snapshot snap = snapshot_of({identity("a", "ok", 10), identity("b", "warning", 300), identity("c", "unknown", 200),
                                 identity("d", "critical", 400), identity("e", "warning", 100),
                                 identity("f", "critical", 400), identity("g", "ok", 5)});
    auto selected = select(snap, "");
    ASSERT_TRUE(selected);
    EXPECT_EQ(subjects_in_order(*selected), (std::vector<std::string>{"d", "f", "c", "e", "b", "g", "a"}));
}

TEST(StatusTop, OneShotBoardHasCountsAndTheWholeTable) {
    Snapshot snap = snapshot_of({identity("web1", "ok", 10), identity("web2", "critical", 20)});
    auto selected = select(snap, "");
    ASSERT_TRUE(selected);
    EXPECT_EQ(board_text("s", snap, *selected, nullptr, "", {}),
              "evstatus top: s (saved 1970-01-01T00:08:20Z, event clock)\n"
              "critical 1  unknown 0  warning 0  ok 1\n"
              "\n"
              "SUBJECT  NAME  STATE     SINCE                 LAST-SEEN             FLAGS  MESSAGE\n"
              "web2     n     critical  1970-01-01T00:00:20Z  1970-01-01T00:06:40Z  -      -\n"
              "web1     n     ok        1970-01-01T00:00:10Z  1970-01-01T00:06:40Z  -      -\n");
}

TEST(StatusTop, SilenceMarksFollowTheirRowsIntoTheNewOrder) {
    Snapshot snap = snapshot_of({identity("a", "ok", 10), identity("b", "critical", 20)});
    auto selected = select(snap, "");
    ASSERT_TRUE(selected);
    std::vector<bool> silenced{true, false};  // a, in the file's order
    std::string board = board_text("s", snap, *selected, &silenced, "", {});
    EXPECT_NE(board.find("\nb        n     critical  1970-01-01T00:00:20Z  1970-01-01T00:06:40Z  -         -\n"),
              std::string::npos)
        << board;
    EXPECT_NE(board.find("\na        n     ok        1970-01-01T00:00:10Z  1970-01-01T00:06:40Z  silenced  -\n"),
              std::string::npos)
        << board;
}

TEST(StatusTop, FilterCountsWhatIsShownOfTheTotal) {
    Snapshot snap = snapshot_of({identity("a", "ok", 10), identity("b", "critical", 20), identity("c", "ok", 5)});
    auto selected = select(snap, R"(state == "ok")");
    ASSERT_TRUE(selected);
    std::string board = board_text("s", snap, *selected, nullptr, R"(state == "ok")", {});
    EXPECT_NE(board.find("\ncritical 0  unknown 0  warning 0  ok 2\nfilter: state == \"ok\" (2 of 3)\n"),
              std::string::npos)
        << board;
}

TEST(StatusTop, SizedBoardCutsLinesAndCountsTheRowsLeftOut) {
    std::vector<std::string> rows;
    for (int i = 0; i < 10; ++i) {
        rows.push_back(identity("host" + std::to_string(i), "ok", i));
    }
    Snapshot snap = snapshot_of(rows);
    auto selected = select(snap, "");
    ASSERT_TRUE(selected);
    std::string board = board_text("s", snap, *selected, nullptr, "", {12, 7});
    EXPECT_EQ(board,
              "evstatus top\n"
              "critical 0  \n"
              "\n"
              "SUBJECT  NAM\n"
              "host0    n  \n"
              "host1    n  \n"
              "... and 8 mo\n");
}

TEST(StatusTop, HostileTextIsEscapedAndCutByCharactersNotBytes) {
    Snapshot snap = snapshot_of({identity("\\u001b[2Jé\\u0007x", "critical", 1, R"(,"message":"\u009b31m\r\nmore")")});
    auto selected = select(snap, "");
    ASSERT_TRUE(selected);
    std::string board = board_text("s", snap, *selected, nullptr, "", {});
    EXPECT_EQ(board.find('\x1b'), std::string::npos) << board;
    EXPECT_EQ(board.find('\r'), std::string::npos) << board;
    EXPECT_NE(board.find("\\x1b[2Jé\\x07x"), std::string::npos) << board;
    EXPECT_NE(board.find("\\u{9b}31m\\r\\nmore"), std::string::npos) << board;
    // Cut at 8 columns: the é is one column and is kept whole.
    std::string cut = board_text("s", snap, *selected, nullptr, "", {8, 10});
    EXPECT_NE(cut.find("\n\\x1b[2Jé\n"), std::string::npos) << cut;
}

}  // namespace
}  // namespace ev::status
