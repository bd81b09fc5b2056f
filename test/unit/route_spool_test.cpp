// Tests for lib/route/spool.cpp: lines come back in order, across the disk.
#include <gtest/gtest.h>

#include <string>

#include "route/spool.h"

namespace ev::route {
namespace {

TEST(RouteSpool, ReplaysInOrderAsRoomAllows) {
    Spool spool(::testing::TempDir());
    const int n = 20000;  // enough to pass through the file, not just memory
    for (int i = 0; i < n; ++i) {
        ASSERT_TRUE(spool.append("line " + std::to_string(i)).ok());
    }
    EXPECT_TRUE(spool.active());
    EXPECT_EQ(spool.lines(), static_cast<uint64_t>(n));
    int next = 0;
    while (spool.active()) {
        LineQueue q(1000);
        ASSERT_TRUE(spool.replay_into(q).ok());
        ASSERT_FALSE(q.empty());
        for (std::string_view line = q.pop_line(); !line.empty(); line = q.pop_line()) {
            ASSERT_EQ(line, "line " + std::to_string(next));
            ++next;
        }
    }
    EXPECT_EQ(next, n);
}

TEST(RouteSpool, AppendsWhileReplayingKeepOrder) {
    Spool spool(::testing::TempDir());
    int written = 0;
    int next = 0;
    for (int round = 0; round < 50; ++round) {
        for (int i = 0; i < 3000; ++i) {
            ASSERT_TRUE(spool.append("x" + std::to_string(written++)).ok());
        }
        LineQueue q(20000);
        ASSERT_TRUE(spool.replay_into(q).ok());
        for (std::string_view line = q.pop_line(); !line.empty(); line = q.pop_line()) {
            ASSERT_EQ(line, "x" + std::to_string(next++));
        }
    }
    while (spool.active()) {
        LineQueue q(1 << 20);
        ASSERT_TRUE(spool.replay_into(q).ok());
        for (std::string_view line = q.pop_line(); !line.empty(); line = q.pop_line()) {
            ASSERT_EQ(line, "x" + std::to_string(next++));
        }
    }
    EXPECT_EQ(next, written);
}

}  // namespace
}  // namespace ev::route
