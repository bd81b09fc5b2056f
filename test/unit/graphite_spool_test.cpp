#include "graphite/spool.h"

#include <gtest/gtest.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>

namespace {

namespace fs = std::filesystem;
using ev::graphite::check_segment;
using ev::graphite::segment_header;
using ev::graphite::Spool;

// The header of a segment holding "a 1 1\nb 2 2\n".
const std::string k_ab_header = "# evgraphite spool segment 1 lines=2 bytes=12 md5=872d753aece43579b05e166d739d2182\n";

class GraphiteSpool : public ::testing::Test {
protected:
    void SetUp() override {
        char tmpl[] = "/tmp/evgraphite-spool-XXXXXX";
        ASSERT_NE(::mkdtemp(tmpl), nullptr);
        m_dir = tmpl;
    }
    void TearDown() override { fs::remove_all(m_dir); }

    std::unique_ptr<Spool> open_spool(const std::string& dir) {
        auto spool = Spool::open(dir, [this](std::string_view m) { m_reports.emplace_back(m); });
        EXPECT_TRUE(spool.ok()) << spool.error();
        return spool.ok() ? std::move(spool).value() : nullptr;
    }
    static std::string read(const std::string& path) {
        std::ifstream in(path, std::ios::binary);
        std::ostringstream s;
        s << in.rdbuf();
        return s.str();
    }
    static void put(const std::string& path, const std::string& text) { std::ofstream(path, std::ios::binary) << text; }
    std::set<std::string> entries() const {
        std::set<std::string> names;
        for (auto& entry : fs::directory_iterator(m_dir)) {
            names.insert(entry.path().filename().string());
        }
        return names;
    }
    std::string seg(uint64_t seq) const { return m_dir + "/" + fmt_seq(seq) + ".seg"; }
    static std::string fmt_seq(uint64_t seq) {
        std::string digits = std::to_string(seq);
        return std::string(20 - digits.size(), '0') + digits;
    }

    std::string m_dir;
    std::vector<std::string> m_reports;
};

TEST_F(GraphiteSpool, ASegmentWrittenInPiecesEqualsOneWrittenWhole) {
    auto spool = open_spool(m_dir);
    std::vector<std::string_view> pieces = {"a 1 1\n", "", "b 2 2\n"};
    ASSERT_TRUE(spool->write(Spool::k_first, pieces).ok());
    EXPECT_EQ(read(seg(Spool::k_first)), k_ab_header + "a 1 1\nb 2 2\n");
    EXPECT_EQ(segment_header(pieces), k_ab_header);
    EXPECT_EQ(spool->read(Spool::k_first).value(), "a 1 1\nb 2 2\n");
}

TEST_F(GraphiteSpool, WritesReadsAndRemovesSegments) {
    mode_t old_mask = ::umask(022);
    auto spool = open_spool(m_dir + "/a/b");
    ::umask(old_mask);
    ASSERT_TRUE(spool->write(Spool::k_first + Spool::k_stride, "b 2 2\n").ok());
    ASSERT_TRUE(spool->write(Spool::k_first, "a 1 1\nb 2 2\n").ok());
    std::string path = m_dir + "/a/b/04611686018427387904.seg";
    EXPECT_EQ(read(path), k_ab_header + "a 1 1\nb 2 2\n");
    EXPECT_EQ(fs::status(path).permissions(), fs::perms::owner_read | fs::perms::owner_write);
    EXPECT_EQ(fs::status(m_dir + "/a/b/lock").permissions(), fs::perms::owner_read | fs::perms::owner_write);
    EXPECT_EQ(fs::status(m_dir + "/a/b").permissions(), fs::perms::owner_all);
    EXPECT_EQ(spool->read(Spool::k_first).value(), "a 1 1\nb 2 2\n");
    spool->remove(Spool::k_first);
    auto gone = spool->read(Spool::k_first);
    ASSERT_FALSE(gone.ok());
    EXPECT_EQ(gone.error(),
              "spool segment " + path + " cannot be opened: No such file or directory; left in place, not sent");
    EXPECT_EQ(spool->bad_segments(), 1u);
    spool.reset();
    auto again = open_spool(m_dir + "/a/b");
    ASSERT_EQ(again->found().size(), 1u);
    EXPECT_EQ(again->found()[0].seq, Spool::k_first + Spool::k_stride);
    EXPECT_EQ(again->found()[0].lines, 1u);
    EXPECT_EQ(again->bad_segments(), 0u);
    EXPECT_TRUE(m_reports.empty());
}

TEST_F(GraphiteSpool, ASegmentNumberIsNeverWrittenTwice) {
    auto spool = open_spool(m_dir);
    ASSERT_TRUE(spool->write(Spool::k_first, "a 1 1\n").ok());
    auto again = spool->write(Spool::k_first, "b 2 2\n");
    ASSERT_FALSE(again.ok());
    EXPECT_EQ(again.error(), "cannot write " + seg(Spool::k_first) + ": a segment of that number exists");
    EXPECT_EQ(spool->read(Spool::k_first).value(), "a 1 1\n");
}

TEST_F(GraphiteSpool, SecondProcessCannotTakeTheSpool) {
    auto first = open_spool(m_dir);
    ASSERT_NE(first, nullptr);
    auto second = Spool::open(m_dir, [](std::string_view) {});
    ASSERT_FALSE(second.ok());
    EXPECT_EQ(second.error(), "spool " + m_dir + " is in use by another process");
}

TEST_F(GraphiteSpool, StaleTemporariesAreRemovedAtOpen) {
    put(m_dir + "/04611686018427387905.seg.tmp", "junk");
    put(m_dir + "/.04611686018427387906.seg.tmp.12345.0123456789ab", "junk");
    put(m_dir + "/notes.txt", "the operator's");
    auto spool = open_spool(m_dir);
    EXPECT_EQ(entries(), (std::set<std::string>{"lock", "notes.txt"}));
}

TEST(GraphiteSegment, HeaderAnnouncesLinesBytesAndChecksum) {
    EXPECT_EQ(segment_header("a 1 1\nb 2 2\n"), k_ab_header);
    auto header = ev::graphite::parse_segment_header(k_ab_header + "a 1 1\n");
    ASSERT_TRUE(header.has_value());
    EXPECT_EQ(header->lines, 2u);
    EXPECT_EQ(header->bytes, 12u);
    EXPECT_EQ(header->md5, "872d753aece43579b05e166d739d2182");
    EXPECT_EQ(header->length, k_ab_header.size());
    for (const std::string& bad : std::vector<std::string>{
             "a 1 1\n", k_ab_header.substr(0, k_ab_header.size() - 1),
             "# evgraphite spool segment 2 lines=2 bytes=12 md5=872d753aece43579b05e166d739d2182\n",
             "# evgraphite spool segment 1 lines=02 bytes=12 md5=872d753aece43579b05e166d739d2182\n",
             "# evgraphite spool segment 1 lines=2 bytes=12 md5=872D753AECE43579B05E166D739D2182\n",
             "# evgraphite spool segment 1 lines=2 bytes=12 md5=872d753aece43579b05e166d739d218\n",
             "# evgraphite spool segment 1 lines=2 bytes=-1 md5=872d753aece43579b05e166d739d2182\n"}) {
        EXPECT_FALSE(ev::graphite::parse_segment_header(bad).has_value()) << bad;
    }
}

TEST(GraphiteSegment, CheckFindsEveryKindOfDamage) {
    std::string body = "a 1 1\nb 2 2\n";
    EXPECT_EQ(check_segment(k_ab_header + body).value(), body);
    EXPECT_EQ(check_segment(segment_header("")).value(), "");
    struct Case {
        std::string text;
        std::string why;
    };
    Case cases[] = {
        {"a 1 1\nb 2 2\n", "has no evgraphite segment header"},
        {"\x7f"
         "ELF\x02\x01garbage",
         "has no evgraphite segment header, and it ends in an unterminated line of 13 bytes"},
        {k_ab_header + body + "c 3",
         "holds 15 bytes after its header, which announces 12, and it ends in an "
         "unterminated line of 3 bytes"},
        {k_ab_header + "a 1 1\nb 2",
         "holds 9 bytes after its header, which announces 12, and it ends in an "
         "unterminated line of 3 bytes"},
        {k_ab_header + "a 1 1\nb 9 2\n", "does not match its checksum (changed since evgraphite wrote it)"},
        {segment_header("a 1 1\nb 2") + "a 1 1\nb 2", "ends in an unterminated line of 3 bytes"},
        {segment_header("a 1 1\n\x1b[2J 1 1\n") + "a 1 1\n\x1b[2J 1 1\n",
         "line 3 is not a carbon line (path value timestamp)"},
        {segment_header("a 1 1\n\n") + "a 1 1\n\n", "line 3 is not a carbon line (path value timestamp)"},
        {"# evgraphite spool segment 1 lines=3 bytes=12 md5=872d753aece43579b05e166d739d2182\n" + body,
         "holds 2 lines, its header announces 3"},
    };
    for (const Case& c : cases) {
        auto checked = check_segment(c.text);
        ASSERT_FALSE(checked.ok()) << c.text;
        EXPECT_EQ(checked.error(), c.why) << c.text;
    }
}

TEST_F(GraphiteSpool, OpenSetsAsideSegmentsWhoseHeaderOrSizeIsWrong) {
    std::string good = k_ab_header + "a 1 1\nb 2 2\n";
    put(seg(Spool::k_first), good);
    put(seg(Spool::k_first + 1), "garbage\n");
    put(seg(Spool::k_first + 2), good + "c 3");
    auto spool = open_spool(m_dir);
    ASSERT_EQ(spool->found().size(), 1u);
    EXPECT_EQ(spool->found()[0].seq, Spool::k_first);
    EXPECT_EQ(spool->bad_segments(), 2u);
    ASSERT_EQ(m_reports.size(), 2u);
    EXPECT_EQ(m_reports[0], "spool segment " + seg(Spool::k_first + 1) +
                                " has no evgraphite segment header; set aside as " + seg(Spool::k_first + 1) +
                                ".bad, nothing from it is sent");
    EXPECT_EQ(m_reports[1], "spool segment " + seg(Spool::k_first + 2) +
                                " holds 15 bytes after its header, which announces 12, and it ends in an unterminated "
                                "line of 3 bytes; set aside as " +
                                seg(Spool::k_first + 2) + ".bad, nothing from it is sent");
    // Kept byte for byte, never deleted.
    EXPECT_EQ(read(seg(Spool::k_first + 1) + ".bad"), "garbage\n");
    EXPECT_EQ(read(seg(Spool::k_first + 2) + ".bad"), good + "c 3");
    EXPECT_FALSE(fs::exists(seg(Spool::k_first + 1)));
}

TEST_F(GraphiteSpool, ReadSetsAsideATamperedSegmentAndNeverReplacesAnEarlierBadOne) {
    auto spool = open_spool(m_dir);
    ASSERT_TRUE(spool->write(Spool::k_first, "a 1 1\nb 2 2\n").ok());
    put(seg(Spool::k_first) + ".bad", "an earlier one");
    std::string tampered = k_ab_header + "a 1 1\nb 9 2\n";
    put(seg(Spool::k_first), tampered);
    auto read = spool->read(Spool::k_first);
    ASSERT_FALSE(read.ok());
    EXPECT_EQ(read.error(), "spool segment " + seg(Spool::k_first) +
                                " does not match its checksum (changed since evgraphite wrote it); set aside as " +
                                seg(Spool::k_first) + ".bad.2, nothing from it is sent");
    EXPECT_EQ(this->read(seg(Spool::k_first) + ".bad"), "an earlier one");
    EXPECT_EQ(this->read(seg(Spool::k_first) + ".bad.2"), tampered);
    EXPECT_EQ(spool->bad_segments(), 1u);
}

TEST_F(GraphiteSpool, APlantedSymlinkOrFifoIsNeitherFollowedNorWaitedOn) {
    std::string secret = m_dir + "/secret";
    put(secret, k_ab_header + "a 1 1\nb 2 2\n");
    fs::create_directory(m_dir + "/s");
    ASSERT_EQ(::symlink(secret.c_str(), (m_dir + "/s/04611686018427387904.seg").c_str()), 0);
    ASSERT_EQ(::mkfifo((m_dir + "/s/04611686018427387905.seg").c_str(), 0600), 0);
    auto spool = open_spool(m_dir + "/s");
    EXPECT_TRUE(spool->found().empty());
    ASSERT_EQ(m_reports.size(), 2u);
    EXPECT_NE(m_reports[0].find("04611686018427387904.seg is a symbolic link; set aside as"), std::string::npos)
        << m_reports[0];
    EXPECT_NE(m_reports[1].find("04611686018427387905.seg is not a regular file; set aside as"), std::string::npos)
        << m_reports[1];
    EXPECT_TRUE(fs::is_symlink(m_dir + "/s/04611686018427387904.seg.bad"));
    EXPECT_EQ(read(secret), k_ab_header + "a 1 1\nb 2 2\n");
}

TEST(GraphiteSpoolName, ParsesOnlySegmentNames) {
    EXPECT_EQ(ev::graphite::parse_segment_name("04611686018427387904.seg"), Spool::k_first);
    EXPECT_EQ(ev::graphite::parse_segment_name("4611686018427387904.seg"), 0u);
    EXPECT_EQ(ev::graphite::parse_segment_name("0461168601842738790x.seg"), 0u);
    EXPECT_EQ(ev::graphite::parse_segment_name("99999999999999999999.seg"), 0u);
    EXPECT_EQ(ev::graphite::parse_segment_name("04611686018427387904.seg.bad"), 0u);
    EXPECT_EQ(ev::graphite::parse_segment_name("lock"), 0u);
}

}  // namespace
