#include "graphite/outbox.h"

#include <gtest/gtest.h>
#include <stdlib.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <vector>

#include "graphite/spool.h"

namespace {

using ev::graphite::Outbox;
using ev::graphite::Spool;

void ignore_reports(std::string_view) {}

class GraphiteOutbox : public ::testing::Test {
protected:
    void SetUp() override {
        char tmpl[] = "/tmp/evgraphite-outbox-XXXXXX";
        ASSERT_NE(::mkdtemp(tmpl), nullptr);
        m_dir = tmpl;
    }
    void TearDown() override { std::filesystem::remove_all(m_dir); }

    // Writes everything the outbox offers, as a connection would, and returns it.
    static std::string take_all(Outbox& box, double now = 0) {
        std::string got;
        std::string error;
        for (;;) {
            std::string_view bytes = box.next_bytes(error);
            EXPECT_EQ(error, "");
            if (bytes.empty()) {
                return got;
            }
            got.append(bytes);
            box.written(bytes.size(), now);
        }
    }

    std::size_t segments() const {
        std::size_t n = 0;
        for (auto& entry : std::filesystem::directory_iterator(m_dir)) {
            n += entry.path().extension() == ".seg";
        }
        return n;
    }

    std::string m_dir;
};

TEST_F(GraphiteOutbox, DeliversInOrderAndForgetsWhatWasAcknowledged) {
    Outbox box(1 << 20, nullptr);
    box.push("a 1 1\n", 1, 0);
    box.push("b 2 2\n", 1, 0);
    EXPECT_EQ(box.pending(), 2u);
    EXPECT_EQ(take_all(box), "a 1 1\nb 2 2\n");
    EXPECT_FALSE(box.has_unwritten());
    EXPECT_FALSE(box.empty());
    box.acknowledged(box.stream() - 1, 0, 0);
    EXPECT_FALSE(box.empty());
    box.acknowledged(box.stream(), 0, 0);
    EXPECT_TRUE(box.empty());
    EXPECT_EQ(box.counters().delivered, 2u);
    EXPECT_EQ(box.memory(), 0u);
}

TEST_F(GraphiteOutbox, RewindResendsWhatWasNotAcknowledged) {
    Outbox box(1 << 20, nullptr);
    box.push("a 1 1\n", 1, 0);
    EXPECT_EQ(take_all(box), "a 1 1\n");
    box.push("b 2 2\n", 1, 0);
    box.rewind(true);
    EXPECT_EQ(box.stream(), 0u);
    EXPECT_EQ(take_all(box), "a 1 1\nb 2 2\n");
    EXPECT_EQ(box.counters().resent, 1u);
}

TEST_F(GraphiteOutbox, KeepHoldsAcknowledgedLinesForResending) {
    Outbox box(1 << 20, nullptr);
    box.push("a 1 1\n", 1, 0);
    take_all(box, 100);
    box.acknowledged(box.stream(), 101, 5);
    EXPECT_FALSE(box.empty());
    box.rewind(true);
    EXPECT_EQ(take_all(box, 102), "a 1 1\n");
    box.acknowledged(box.stream(), 106, 5);
    EXPECT_FALSE(box.empty());
    box.acknowledged(box.stream(), 107, 5);
    EXPECT_TRUE(box.empty());
}

TEST_F(GraphiteOutbox, AcknowledgedLinesAreResentOnlyWhenAsked) {
    Outbox box(1 << 20, nullptr);
    box.push("a 1 1\n", 1, 0);
    take_all(box, 100);
    box.acknowledged(box.stream(), 100, 60);
    box.push("b 2 2\n", 1, 0);
    take_all(box, 100);
    box.rewind(true);  // a carbon that restarted: a, held for the window, goes again
    EXPECT_EQ(take_all(box, 101), "a 1 1\nb 2 2\n");
    box.acknowledged(box.stream() - 6, 101, 60);  // a acknowledged, b not
    box.push("c 3 3\n", 1, 0);
    box.rewind(false);  // another break within the window: a counts as delivered
    EXPECT_EQ(take_all(box, 102), "b 2 2\nc 3 3\n");
    EXPECT_EQ(box.counters().delivered, 1u);
    EXPECT_EQ(box.pending(), 2u);
    EXPECT_EQ(box.counters().resent, 3u);
}

TEST_F(GraphiteOutbox, InputIsDurableOnlyOnceDeliveredOrSpooled) {
    auto spool = Spool::open(m_dir, ignore_reports).value();
    Outbox box(1 << 20, spool.get());
    EXPECT_EQ(box.first_not_durable(), UINT64_MAX);
    box.push("a 1 1\n", 1, 1);
    box.push("b 2 2\n", 1, 2);
    EXPECT_EQ(box.first_not_durable(), 1u);  // queued
    take_all(box, 100);
    EXPECT_EQ(box.first_not_durable(), 1u);  // written, not acknowledged
    box.acknowledged(box.stream(), 101, 5);
    EXPECT_EQ(box.first_not_durable(), 1u);  // acknowledged, still in the resend window
    box.push("c 3 3\n", 1, 3);
    box.acknowledged(box.stream(), 106, 5);
    EXPECT_EQ(box.first_not_durable(), 3u);  // a and b delivered
    ASSERT_TRUE(box.spill(false).ok());
    EXPECT_EQ(box.first_not_durable(), UINT64_MAX);  // c in a synced segment
    box.push("d 4 4\n", 1, 4);
    EXPECT_EQ(box.first_not_durable(), 4u);
    ASSERT_TRUE(box.spill(true).ok());
    EXPECT_EQ(box.first_not_durable(), UINT64_MAX);
}

TEST_F(GraphiteOutbox, ALineOnTheWireHoldsBackWhatIsSpooledAfterIt) {
    auto spool = Spool::open(m_dir, ignore_reports).value();
    Outbox box(1 << 20, spool.get());
    box.push("a 1 1\n", 1, 7);
    take_all(box);
    box.push("b 2 2\n", 1, 8);
    ASSERT_TRUE(box.spill(false).ok());  // b to disk, a still unacknowledged
    EXPECT_EQ(box.first_not_durable(), 7u);
    box.acknowledged(box.stream(), 0, 0);
    EXPECT_EQ(box.first_not_durable(), UINT64_MAX);
}

TEST_F(GraphiteOutbox, SpillWritesARunOfItemsAsOneSegmentInOrder) {
    auto spool = Spool::open(m_dir, ignore_reports).value();
    Outbox box(1 << 30, spool.get());
    // More than one memory item (they are cut at 128 KiB).
    std::string expected;
    for (int i = 0; i < 20000; ++i) {
        std::string line = "series.number." + std::to_string(i) + " " + std::to_string(i) + " 1\n";
        box.push(line, 1, static_cast<uint64_t>(i + 1));
        expected += line;
    }
    ASSERT_GT(expected.size(), std::size_t{1} << 18);
    ASSERT_TRUE(box.spill(false).ok());
    EXPECT_EQ(segments(), 1u);
    EXPECT_EQ(box.memory(), 0u);
    EXPECT_EQ(box.counters().spooled, 20000u);
    EXPECT_EQ(take_all(box), expected);
}

TEST_F(GraphiteOutbox, SpillKeepsOrderAcrossMemoryAndDisk) {
    auto spool = Spool::open(m_dir, ignore_reports).value();
    Outbox box(10, spool.get());
    box.push("a 1 1\n", 1, 0);
    box.push("b 2 2\n", 1, 0);
    EXPECT_TRUE(box.full());
    ASSERT_TRUE(box.spill(false).ok());
    EXPECT_FALSE(box.full());
    EXPECT_EQ(segments(), 1u);
    box.push("c 3 3\n", 1, 0);
    EXPECT_EQ(take_all(box), "a 1 1\nb 2 2\nc 3 3\n");
    EXPECT_EQ(box.counters().spooled, 2u);
    EXPECT_EQ(box.counters().replayed, 2u);
    box.acknowledged(box.stream(), 0, 0);
    EXPECT_TRUE(box.empty());
    EXPECT_EQ(segments(), 0u);
}

TEST_F(GraphiteOutbox, PersistAndRestartReplayInOrder) {
    {
        auto spool = Spool::open(m_dir, ignore_reports).value();
        Outbox box(1 << 20, spool.get());
        box.push("a 1 1\n", 1, 0);
        // a is on the wire, unacknowledged, when b and c come.
        std::string error;
        box.written(box.next_bytes(error).size(), 0);
        box.push("b 2 2\n", 1, 0);
        ASSERT_TRUE(box.spill(false).ok());  // b to disk
        box.push("c 3 3\n", 1, 0);
        ASSERT_TRUE(box.spill(true).ok());  // at exit: a before b, c after
        EXPECT_EQ(segments(), 3u);
    }
    auto spool = Spool::open(m_dir, ignore_reports).value();
    EXPECT_EQ(spool->found().size(), 3u);
    Outbox box(1 << 20, spool.get());
    box.adopt_spool();
    // The segments' lines count as pending before they are read.
    EXPECT_EQ(box.pending(), 3u);
    box.push("d 4 4\n", 1, 0);
    EXPECT_EQ(box.pending(), 4u);
    EXPECT_EQ(box.unspooled(), 1u);
    EXPECT_EQ(take_all(box), "a 1 1\nb 2 2\nc 3 3\nd 4 4\n");
    EXPECT_EQ(box.pending(), 4u);
    box.acknowledged(box.stream(), 0, 0);
    EXPECT_EQ(segments(), 0u);
}

TEST_F(GraphiteOutbox, EverythingPendingIsInTheSpoolAfterSpillingAll) {
    {
        auto spool = Spool::open(m_dir, ignore_reports).value();
        Outbox box(10, spool.get());
        box.push("a 1 1\nb 2 2\n", 2, 0);
        ASSERT_TRUE(box.spill(false).ok());  // memory full during the run
        box.push("c 3 3\n", 1, 0);
        ASSERT_TRUE(box.spill(true).ok());  // at exit
        EXPECT_EQ(box.pending(), 3u);
        EXPECT_EQ(box.unspooled(), 0u);
    }
    // The next run, still without carbon, adds to what it found.
    auto spool = Spool::open(m_dir, ignore_reports).value();
    Outbox box(1 << 20, spool.get());
    box.adopt_spool();
    box.push("d 4 4\n", 1, 0);
    ASSERT_TRUE(box.spill(true).ok());
    EXPECT_EQ(box.pending(), 4u);
    EXPECT_EQ(box.unspooled(), 0u);
}

TEST_F(GraphiteOutbox, ABadSegmentIsSkippedAndNoLongerPending) {
    {
        auto spool = Spool::open(m_dir, ignore_reports).value();
        Outbox box(1 << 20, spool.get());
        box.push("a 1 1\n", 1, 0);
        ASSERT_TRUE(box.spill(true).ok());
        box.push("b 2 2\nc 3 3\n", 2, 0);
        ASSERT_TRUE(box.spill(true).ok());
    }
    // Tamper with the second segment, keeping its size.
    std::vector<std::filesystem::path> names;
    for (auto& entry : std::filesystem::directory_iterator(m_dir)) {
        if (entry.path().extension() == ".seg") {
            names.push_back(entry.path());
        }
    }
    std::sort(names.begin(), names.end());
    ASSERT_EQ(names.size(), 2u);
    std::string text;
    {
        std::ifstream in(names[1], std::ios::binary);
        std::getline(in, text, '\0');
    }
    text[text.size() - 2] = '9';
    std::ofstream(names[1], std::ios::binary) << text;
    auto spool = Spool::open(m_dir, ignore_reports).value();
    Outbox box(1 << 20, spool.get());
    box.adopt_spool();
    EXPECT_EQ(box.pending(), 3u);
    std::string got;
    std::string error;
    std::string_view bytes = box.next_bytes(error);
    EXPECT_EQ(error, "");
    got.append(bytes);
    box.written(bytes.size(), 0);
    bytes = box.next_bytes(error);
    EXPECT_NE(error.find("does not match its checksum"), std::string::npos) << error;
    EXPECT_TRUE(bytes.empty());
    EXPECT_EQ(got, "a 1 1\n");
    EXPECT_EQ(box.pending(), 1u);
    EXPECT_TRUE(std::filesystem::exists(names[1].string() + ".bad"));
}

}  // namespace
