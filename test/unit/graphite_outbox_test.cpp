#include "graphite/outbox.h"

#include <gtest/gtest.h>
#include <stdlib.h>
#include <unistd.h>

#include <filesystem>

#include "graphite/spool.h"

namespace {

using ev::graphite::Outbox;
using ev::graphite::Spool;

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
    box.push("a 1 1\n", 1);
    box.push("b 2 2\n", 1);
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
    box.push("a 1 1\n", 1);
    EXPECT_EQ(take_all(box), "a 1 1\n");
    box.push("b 2 2\n", 1);
    box.rewind();
    EXPECT_EQ(box.stream(), 0u);
    EXPECT_EQ(take_all(box), "a 1 1\nb 2 2\n");
    EXPECT_EQ(box.counters().resent, 1u);
}

TEST_F(GraphiteOutbox, KeepHoldsAcknowledgedLinesForResending) {
    Outbox box(1 << 20, nullptr);
    box.push("a 1 1\n", 1);
    take_all(box, 100);
    box.acknowledged(box.stream(), 101, 5);
    EXPECT_FALSE(box.empty());
    box.rewind();
    EXPECT_EQ(take_all(box, 102), "a 1 1\n");
    box.acknowledged(box.stream(), 106, 5);
    EXPECT_FALSE(box.empty());
    box.acknowledged(box.stream(), 107, 5);
    EXPECT_TRUE(box.empty());
}

TEST_F(GraphiteOutbox, SpillKeepsOrderAcrossMemoryAndDisk) {
    auto spool = Spool::open(m_dir).value();
    Outbox box(10, spool.get());
    box.push("a 1 1\n", 1);
    box.push("b 2 2\n", 1);
    EXPECT_TRUE(box.full());
    ASSERT_TRUE(box.spill(false).ok());
    EXPECT_FALSE(box.full());
    EXPECT_EQ(segments(), 1u);
    box.push("c 3 3\n", 1);
    EXPECT_EQ(take_all(box), "a 1 1\nb 2 2\nc 3 3\n");
    EXPECT_EQ(box.counters().spooled, 2u);
    EXPECT_EQ(box.counters().replayed, 2u);
    box.acknowledged(box.stream(), 0, 0);
    EXPECT_TRUE(box.empty());
    EXPECT_EQ(segments(), 0u);
}

TEST_F(GraphiteOutbox, PersistAndRestartReplayInOrder) {
    {
        auto spool = Spool::open(m_dir).value();
        Outbox box(1 << 20, spool.get());
        box.push("a 1 1\n", 1);
        // a is on the wire, unacknowledged, when b and c come.
        std::string error;
        box.written(box.next_bytes(error).size(), 0);
        box.push("b 2 2\n", 1);
        ASSERT_TRUE(box.spill(false).ok());  // b to disk
        box.push("c 3 3\n", 1);
        ASSERT_TRUE(box.spill(true).ok());  // at exit: a before b, c after
        EXPECT_EQ(segments(), 3u);
    }
    auto spool = Spool::open(m_dir).value();
    EXPECT_EQ(spool->found().size(), 3u);
    Outbox box(1 << 20, spool.get());
    box.adopt_spool();
    box.push("d 4 4\n", 1);
    EXPECT_EQ(take_all(box), "a 1 1\nb 2 2\nc 3 3\nd 4 4\n");
    EXPECT_EQ(box.pending(), 4u);
    box.acknowledged(box.stream(), 0, 0);
    EXPECT_EQ(segments(), 0u);
}

}  // namespace
