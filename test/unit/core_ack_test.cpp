#include "core/ack.h"

#include <gtest/gtest.h>
#include <signal.h>
#include <unistd.h>

#include <algorithm>

#include <string>
#include <vector>

#include "core/writer.h"

namespace {

std::vector<ev::Position> advanced(ev::AckTracker& t) {
    std::vector<ev::Position> out;
    t.take_advanced(out);
    return out;
}

TEST(AckTracker, WatermarkWaitsForTheOldestInFlight) {
    ev::AckTracker t;
    auto a = t.begin({0, 10});
    auto b = t.begin({0, 20});
    auto c = t.begin({0, 30});
    EXPECT_EQ(t.pending(), 3u);
    t.complete(c);
    t.complete(b);
    EXPECT_TRUE(advanced(t).empty());  // 10 is still in flight
    t.complete(a);
    auto moved = advanced(t);
    ASSERT_EQ(moved.size(), 1u);
    EXPECT_EQ(moved[0].stream, 0u);
    EXPECT_EQ(moved[0].offset, 30);
    EXPECT_EQ(t.pending(), 0u);
    EXPECT_TRUE(advanced(t).empty());  // reported once
}

TEST(AckTracker, StreamsAreIndependent) {
    ev::AckTracker t;
    auto p0 = t.begin({0, 5});
    auto q0 = t.begin({3, 100});
    auto q1 = t.begin({3, 101});
    t.complete(q0);
    auto moved = advanced(t);
    ASSERT_EQ(moved.size(), 1u);
    EXPECT_EQ(moved[0].stream, 3u);
    EXPECT_EQ(moved[0].offset, 100);
    t.complete(p0);
    t.complete(q1);
    moved = advanced(t);
    ASSERT_EQ(moved.size(), 2u);
    std::sort(moved.begin(), moved.end(), [](auto& x, auto& y) { return x.stream < y.stream; });
    EXPECT_EQ(moved[0].offset, 5);
    EXPECT_EQ(moved[1].offset, 101);
}

TEST(AckTracker, CompletingTwiceOrUnknownTicketsChangesNothing) {
    ev::AckTracker t;
    auto a = t.begin({1, 1});
    auto b = t.begin({1, 2});
    t.complete(b);
    t.complete(b);
    t.complete(a + 1000);
    EXPECT_EQ(t.pending(), 1u);
    EXPECT_TRUE(advanced(t).empty());
    t.complete(a);
    EXPECT_EQ(advanced(t).at(0).offset, 2);
}

TEST(AckTracker, ManyOutOfOrderCompletionsEndAtTheLastOffset) {
    ev::AckTracker t;
    std::vector<ev::AckTracker::Ticket> tickets;
    for (int i = 1; i <= 1000; ++i) {
        tickets.push_back(t.begin({0, i}));
    }
    // Complete odd ones first, then even ones backwards.
    for (std::size_t i = 1; i < tickets.size(); i += 2) {
        t.complete(tickets[i]);
    }
    EXPECT_TRUE(advanced(t).empty());
    for (std::size_t i = tickets.size() - 2 + 1; i-- > 0;) {
        if (i % 2 == 0) {
            t.complete(tickets[i]);
        }
    }
    EXPECT_EQ(advanced(t).at(0).offset, 1000);
}

// A sink that is durable only when flushed, and a recorder of commits.
struct Commits final : ev::Acknowledger {
    std::vector<ev::Position> seen;
    void acknowledge(const ev::Position& p) override { seen.push_back(p); }
};

TEST(SyncAck, CommitsOnlyWhatAFlushMadeDurable) {
    int fds[2];
    ASSERT_EQ(pipe(fds), 0);
    ev::Writer out(fds[1], 1 << 20);
    Commits commits;
    ev::SyncAck ack(out, commits);
    out.write_line("a");
    ack.handled({0, 2});
    out.write_line("b");
    ack.handled({0, 4});
    EXPECT_TRUE(commits.seen.empty());  // nothing is durable yet
    ASSERT_TRUE(ack.flush().ok());
    ASSERT_EQ(commits.seen.size(), 1u);
    EXPECT_EQ(commits.seen[0].offset, 4);
    ASSERT_TRUE(ack.flush().ok());
    EXPECT_EQ(commits.seen.size(), 1u);  // nothing new
    close(fds[0]);
    close(fds[1]);
}

TEST(SyncAck, AFlushInsideAnEventCommitsOnlyTheEventsBeforeIt) {
    int fds[2];
    ASSERT_EQ(pipe(fds), 0);
    ev::Writer out(fds[1], 10);  // flushes on its own past 10 bytes
    Commits commits;
    ev::SyncAck ack(out, commits);
    out.write_line("first");
    ack.handled({0, 1});
    out.write_line("second, long");  // flushes: covers event 1 and this line of event 2
    out.write_line("x");             // event 2's last line stays buffered
    ASSERT_EQ(commits.seen.size(), 0u);
    ack.handled({0, 2});
    ASSERT_EQ(commits.seen.size(), 1u);
    EXPECT_EQ(commits.seen[0].offset, 1);
    ASSERT_TRUE(ack.flush().ok());
    ASSERT_EQ(commits.seen.size(), 2u);
    EXPECT_EQ(commits.seen[1].offset, 2);
    close(fds[0]);
    close(fds[1]);
}

// A sink whose lines become durable later, in any order of the caller's
// choosing, as Kafka delivery reports do.
class LateSink final : public ev::Sink {
public:
    void write_line(std::string_view) override { ++m_ticket; }
    std::string& buffer() override { return m_buf; }
    void end_line() override { ++m_ticket; }
    ev::Result<void> flush() override {
        m_durable = m_ticket;
        return {};
    }
    uint64_t ticket() const override { return m_ticket; }
    uint64_t durable() const override { return m_durable; }
    bool ended() const override { return false; }
    bool failed() const override { return false; }
    const std::string& error() const override { return m_buf; }
    void deliver(uint64_t upto) { m_durable = upto; }

private:
    std::string m_buf;
    uint64_t m_ticket = 0;
    uint64_t m_durable = 0;
};

TEST(SyncAck, AnAsynchronousSinkCommitsOnlyWhatWasDelivered) {
    LateSink out;
    Commits commits;
    ev::SyncAck ack(out, commits);
    for (int64_t i = 1; i <= 3000; ++i) {
        out.write_line("event");
        ack.handled({0, i});
        if (i == 1500) {
            out.deliver(1100);  // the first 1100 lines reached the broker
        }
    }
    ASSERT_FALSE(commits.seen.empty());
    for (const auto& p : commits.seen) {
        EXPECT_LE(p.offset, 1100);  // never an event whose line is still in flight
    }
    ASSERT_TRUE(ack.flush().ok());
    EXPECT_EQ(commits.seen.back().offset, 3000);
}

TEST(SyncAck, NothingIsCommittedAfterOutputEnded) {
    int fds[2];
    ASSERT_EQ(pipe(fds), 0);
    close(fds[0]);
    signal(SIGPIPE, SIG_IGN);  // as signals::install() does in every tool
    ev::Writer out(fds[1]);
    Commits commits;
    ev::SyncAck ack(out, commits);
    out.write_line("lost");
    ack.handled({0, 5});
    EXPECT_FALSE(ack.flush().ok());  // EPIPE is reported, not success
    EXPECT_TRUE(out.ended());
    EXPECT_TRUE(commits.seen.empty());
    close(fds[1]);
}

TEST(SyncAck, CommitsPerStream) {
    int fds[2];
    ASSERT_EQ(pipe(fds), 0);
    ev::Writer out(fds[1]);
    Commits commits;
    ev::SyncAck ack(out, commits);
    ack.handled({2, 7});
    ack.handled({0, 3});
    ASSERT_TRUE(ack.flush().ok());
    ASSERT_EQ(commits.seen.size(), 2u);
    EXPECT_EQ(commits.seen[0].stream, 0u);
    EXPECT_EQ(commits.seen[0].offset, 3);
    EXPECT_EQ(commits.seen[1].stream, 2u);
    EXPECT_EQ(commits.seen[1].offset, 7);
    close(fds[0]);
    close(fds[1]);
}

}  // namespace

namespace {

TEST(SyncAck, AStatefulToolCommitsOnlyOnRelease) {
    int fds[2];
    ASSERT_EQ(pipe(fds), 0);
    ev::Writer out(fds[1]);
    Commits commits;
    ev::SyncAck ack(out, commits);
    ack.hold_for_state();
    out.write_line("a");
    ack.handled({0, 9});
    ASSERT_TRUE(ack.flush().ok());
    EXPECT_TRUE(commits.seen.empty());  // written, but the state is not saved yet
    ASSERT_TRUE(ack.release().ok());    // the state covering it is saved
    ASSERT_EQ(commits.seen.size(), 1u);
    EXPECT_EQ(commits.seen[0].offset, 9);
    close(fds[0]);
    close(fds[1]);
}

}  // namespace
