// Tests for lib/batch/journal.cpp: what one run records the next one reads;
// compaction keeps the newest finished keys and every interrupted one.
#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>

#include "batch/journal.h"

namespace ev::batch {
namespace {

class BatchJournal : public ::testing::Test {
protected:
    void SetUp() override {
        char dir[] = "/tmp/evkit-journal-XXXXXX";
        ASSERT_NE(::mkdtemp(dir), nullptr);
        m_dir = dir;
        m_path = m_dir + "/journal";
    }
    void TearDown() override { (void)std::system(("rm -rf '" + m_dir + "'").c_str()); }

    std::string contents() const {
        std::ifstream in(m_path);
        std::ostringstream s;
        s << in.rdbuf();
        return s.str();
    }
    void write(const std::string& text) const { std::ofstream(m_path) << text; }

    std::string m_dir;
    std::string m_path;
};

TEST_F(BatchJournal, FinishedAndInterruptedSurviveARestart) {
    {
        auto j = Journal::open(m_path);
        ASSERT_TRUE(j) << j.error();
        ASSERT_TRUE(j->started("a"));
        ASSERT_TRUE(j->started("b"));
        ASSERT_TRUE(j->sync());
        ASSERT_TRUE(j->done("a"));
        ASSERT_TRUE(j->sync());
        // b never finishes: the process "dies" here (the destructor only syncs).
    }
    auto j = Journal::open(m_path);
    ASSERT_TRUE(j) << j.error();
    EXPECT_TRUE(j->finished("a"));
    EXPECT_FALSE(j->interrupted("a"));
    EXPECT_TRUE(j->interrupted("b"));
    EXPECT_FALSE(j->finished("b"));
    EXPECT_FALSE(j->finished("c"));
    EXPECT_EQ(contents(), "F a\nS b\n");  // compacted on open
}

TEST_F(BatchJournal, CompactionKeepsTheNewestFinishedAndTheRunningOnes) {
    {
        auto j = Journal::open(m_path, 2);
        ASSERT_TRUE(j);
        ASSERT_TRUE(j->started("run"));
        for (const char* k : {"k1", "k2", "k3", "k4"}) {
            ASSERT_TRUE(j->started(k));
            ASSERT_TRUE(j->done(k));
        }
        ASSERT_TRUE(j->sync());  // 9 lines > 2 * 2: compacted
        EXPECT_EQ(contents(), "F k3\nF k4\nS run\n");
    }
    auto j = Journal::open(m_path, 2);
    ASSERT_TRUE(j);
    EXPECT_FALSE(j->finished("k1"));
    EXPECT_TRUE(j->finished("k4"));
    EXPECT_TRUE(j->interrupted("run"));
}

TEST_F(BatchJournal, ARerunInterruptedInputFinishes) {
    write("S x\n");
    {
        auto j = Journal::open(m_path);
        ASSERT_TRUE(j);
        ASSERT_TRUE(j->interrupted("x"));
        ASSERT_TRUE(j->started("x"));
        ASSERT_TRUE(j->done("x"));
        ASSERT_TRUE(j->sync());
        EXPECT_EQ(j->interrupted_count(), 0u);
    }
    auto j = Journal::open(m_path);
    ASSERT_TRUE(j);
    EXPECT_TRUE(j->finished("x"));
    EXPECT_FALSE(j->interrupted("x"));
}

TEST_F(BatchJournal, BadLinesAreRefusedATornLastLineIsNot) {
    write("F a\nF a b\n");
    auto bad = Journal::open(m_path);
    ASSERT_FALSE(bad);
    EXPECT_EQ(bad.error(), m_path + ":2: not a journal line (\"S KEY\" or \"F KEY\")");
    write("F a\nS\n");
    EXPECT_FALSE(Journal::open(m_path));
    write("F a\nF b");
    auto torn = Journal::open(m_path);
    ASSERT_TRUE(torn) << torn.error();
    EXPECT_TRUE(torn->finished("a"));
    EXPECT_FALSE(torn->finished("b"));
}

TEST_F(BatchJournal, ASecondOpenIsRefusedWhileTheFirstHoldsIt) {
    auto first = Journal::open(m_path);
    ASSERT_TRUE(first);
    auto second = Journal::open(m_path);
    ASSERT_FALSE(second);
    EXPECT_NE(second.error().find("is in use"), std::string::npos);
}

}  // namespace
}  // namespace ev::batch
