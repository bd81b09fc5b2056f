// Tests for lib/route/line_queue.cpp: bounds, retention and rewind.
#include <gtest/gtest.h>

#include "route/line_queue.h"

namespace ev::route {
namespace {

TEST(RouteLineQueue, BoundsBytesButTakesOneLongLine) {
    LineQueue q(10);
    EXPECT_TRUE(q.fits(100));  // empty: anything fits once
    q.push("abcd");            // 5 bytes
    EXPECT_TRUE(q.fits(4));    // 5 + 5 = 10
    q.push("efgh");
    EXPECT_FALSE(q.fits(0));
    EXPECT_EQ(q.bytes(), 10u);
    EXPECT_EQ(q.unsent_lines(), 2u);
    EXPECT_EQ(q.unsent(), "abcd\nefgh\n");
}

TEST(RouteLineQueue, SentBytesStayUntilReleased) {
    LineQueue q(100);
    q.push("one");
    q.push("two");
    q.mark_sent(6);  // "one\ntw"
    EXPECT_EQ(q.unsent(), "o\n");
    EXPECT_EQ(q.unsent_lines(), 1u);
    EXPECT_EQ(q.bytes(), 8u);
    q.release(4);  // the reader has "one\n" only... 2 of the 6 sent bytes read -> nothing whole released
    EXPECT_EQ(q.bytes(), 8u);
    q.release(2);  // 4 bytes read: "one\n" is released
    EXPECT_EQ(q.bytes(), 4u);
}

TEST(RouteLineQueue, RewindResendsFromTheStartOfTheUnreadLine) {
    LineQueue q(100);
    q.push("one");
    q.push("two");
    q.push("three");
    q.mark_sent(14);  // everything
    EXPECT_TRUE(q.empty());
    // The reader consumed "one\ntw": the partly read line comes back whole.
    EXPECT_EQ(q.rewind(8), 2u);
    EXPECT_EQ(q.unsent(), "two\nthree\n");
    EXPECT_EQ(q.unsent_lines(), 2u);
}

TEST(RouteLineQueue, PopLine) {
    LineQueue q(100);
    q.push("a");
    q.push("bb");
    EXPECT_EQ(q.pop_line(), "a");
    EXPECT_EQ(q.pop_line(), "bb");
    EXPECT_TRUE(q.empty());
    EXPECT_EQ(q.bytes(), 0u);
}

TEST(RouteLineQueue, ClearCountsWhatItDiscards) {
    LineQueue q(100);
    q.push("a");
    q.push("b");
    q.mark_sent(2);
    EXPECT_EQ(q.clear(), 1u);
    EXPECT_EQ(q.bytes(), 0u);
}

TEST(RouteLineQueue, ReleaseCountsWholeLinesTheReaderHas) {
    LineQueue q(100);
    q.push("one");
    q.push("two");
    q.push("three");
    q.mark_sent(10);  // "one\ntwo\nth": two whole lines sit in the pipe
    EXPECT_EQ(q.retained_lines(), 2u);
    EXPECT_EQ(q.release(10), 0u);  // nothing read yet
    EXPECT_EQ(q.release(8), 0u);   // "on" read: no whole line
    EXPECT_EQ(q.release(5), 1u);   // "one\nt" read
    EXPECT_EQ(q.retained_lines(), 1u);
    q.mark_sent(4);  // the rest of "three"
    EXPECT_EQ(q.retained_lines(), 2u);
    EXPECT_EQ(q.release(0), 2u);  // all read
    EXPECT_EQ(q.retained_lines(), 0u);
    EXPECT_EQ(q.release(0), 0u);  // counted once
}

TEST(RouteLineQueue, RewindLeavesNothingRetained) {
    LineQueue q(100);
    q.push("one");
    q.push("two");
    q.mark_sent(8);
    EXPECT_EQ(q.release(4), 1u);  // "one" read, "two" unread
    EXPECT_EQ(q.rewind(4), 1u);
    EXPECT_EQ(q.retained_lines(), 0u);
    EXPECT_EQ(q.unsent_lines(), 1u);
    q.mark_sent(4);
    EXPECT_EQ(q.retained_lines(), 1u);
    q.clear();
    EXPECT_EQ(q.retained_lines(), 0u);
}

}  // namespace
}  // namespace ev::route
