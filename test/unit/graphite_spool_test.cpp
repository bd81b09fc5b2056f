#include "graphite/spool.h"

#include <gtest/gtest.h>
#include <stdlib.h>

#include <cstdio>
#include <filesystem>

namespace {

using ev::graphite::Spool;

class GraphiteSpool : public ::testing::Test {
protected:
    void SetUp() override {
        char tmpl[] = "/tmp/evgraphite-spool-XXXXXX";
        ASSERT_NE(::mkdtemp(tmpl), nullptr);
        m_dir = tmpl;
    }
    void TearDown() override { std::filesystem::remove_all(m_dir); }

    std::string m_dir;
};

TEST_F(GraphiteSpool, WritesReadsAndRemovesSegments) {
    auto spool = Spool::open(m_dir + "/a/b").value();
    ASSERT_TRUE(spool->write(Spool::k_first + Spool::k_stride, "b 2 2\n").ok());
    ASSERT_TRUE(spool->write(Spool::k_first, "a 1 1\n").ok());
    EXPECT_TRUE(std::filesystem::exists(m_dir + "/a/b/04611686018427387904.seg"));
    EXPECT_EQ(spool->read(Spool::k_first).value(), "a 1 1\n");
    spool->remove(Spool::k_first);
    EXPECT_FALSE(spool->read(Spool::k_first).ok());
    spool.reset();
    auto again = Spool::open(m_dir + "/a/b").value();
    EXPECT_EQ(again->found(), (std::vector<uint64_t>{Spool::k_first + Spool::k_stride}));
}

TEST_F(GraphiteSpool, SecondProcessCannotTakeTheSpool) {
    auto first = Spool::open(m_dir);
    ASSERT_TRUE(first.ok());
    auto second = Spool::open(m_dir);
    ASSERT_FALSE(second.ok());
    EXPECT_EQ(second.error(), "spool " + m_dir + " is in use by another process");
}

TEST_F(GraphiteSpool, SpoolDropsATornLastLineAndStaleTemporaries) {
    {
        auto spool = Spool::open(m_dir).value();
        ASSERT_TRUE(spool->write(Spool::k_first, "a 1 1\nb 2").ok());
    }
    {
        FILE* f = std::fopen((m_dir + "/04611686018427387905.seg.tmp").c_str(), "w");
        std::fputs("junk", f);
        std::fclose(f);
    }
    auto spool = Spool::open(m_dir).value();
    ASSERT_EQ(spool->found().size(), 1u);
    EXPECT_EQ(spool->read(Spool::k_first).value(), "a 1 1\n");
    EXPECT_FALSE(std::filesystem::exists(m_dir + "/04611686018427387905.seg.tmp"));
}

TEST(GraphiteSpoolName, ParsesOnlySegmentNames) {
    EXPECT_EQ(ev::graphite::parse_segment_name("04611686018427387904.seg"), Spool::k_first);
    EXPECT_EQ(ev::graphite::parse_segment_name("4611686018427387904.seg"), 0u);
    EXPECT_EQ(ev::graphite::parse_segment_name("0461168601842738790x.seg"), 0u);
    EXPECT_EQ(ev::graphite::parse_segment_name("99999999999999999999.seg"), 0u);
    EXPECT_EQ(ev::graphite::parse_segment_name("lock"), 0u);
}

}  // namespace
