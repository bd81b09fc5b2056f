#include "core/file_position.h"

#include <fcntl.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <cstdio>
#include <fstream>
#include <string>

namespace {

class FilePositionTest : public ::testing::Test {
protected:
    void SetUp() override {
        char dir[] = "/tmp/file_position_testXXXXXX";
        ASSERT_NE(::mkdtemp(dir), nullptr);
        m_dir = dir;
    }
    void TearDown() override {
        std::remove((m_dir + "/a").c_str());
        std::remove((m_dir + "/b").c_str());
        ::rmdir(m_dir.c_str());
    }
    std::string write(const std::string& name, const std::string& bytes) {
        std::string path = m_dir + "/" + name;
        std::ofstream(path, std::ios::binary | std::ios::trunc) << bytes;
        return path;
    }
    static int open_read(const std::string& path) { return ::open(path.c_str(), O_RDONLY | O_CLOEXEC); }
    std::string m_dir;
};

TEST_F(FilePositionTest, TheSameFileThatGrewStillMatches) {
    std::string path = write("a", "line 1\nline 2\n");
    int fd = open_read(path);
    auto saved = ev::identify_file(fd, path);
    ::close(fd);
    ASSERT_TRUE(saved);
    EXPECT_EQ(saved->head_len, 14u);
    saved->offset = 14;
    std::ofstream(path, std::ios::app) << "line 3\n";
    fd = open_read(path);
    EXPECT_TRUE(ev::same_file(fd, *saved));
    ::close(fd);
}

TEST_F(FilePositionTest, ARewrittenTruncatedOrOtherFileDoesNot) {
    std::string path = write("a", "line 1\nline 2\n");
    int fd = open_read(path);
    auto saved = ev::identify_file(fd, path);
    ::close(fd);
    ASSERT_TRUE(saved);
    saved->offset = 14;
    // The same inode, other first bytes of the same length.
    {
        std::fstream f(path, std::ios::in | std::ios::out | std::ios::binary);
        f << "LINE";
    }
    fd = open_read(path);
    EXPECT_FALSE(ev::same_file(fd, *saved));
    ::close(fd);
    // The original bytes back, but shorter than the saved offset (truncated).
    write("a", "line 1\nline 2");
    fd = open_read(path);
    EXPECT_FALSE(ev::same_file(fd, *saved));
    ::close(fd);
    // The same bytes in another file (another inode).
    std::string other = write("b", "line 1\nline 2\n");
    fd = open_read(other);
    EXPECT_FALSE(ev::same_file(fd, *saved));
    ::close(fd);
}

TEST_F(FilePositionTest, TheFingerprintCoversTheFirst4KiBOnly) {
    std::string head(ev::k_fingerprint_bytes, 'x');
    std::string path = write("a", head + "tail 1\n");
    int fd = open_read(path);
    auto saved = ev::identify_file(fd, path);
    ::close(fd);
    ASSERT_TRUE(saved);
    EXPECT_EQ(saved->head_len, ev::k_fingerprint_bytes);
    write("a", head + "TAIL 2\n");  // rewritten after the head, same inode
    fd = open_read(path);
    EXPECT_TRUE(ev::same_file(fd, *saved));
    ::close(fd);
}

TEST_F(FilePositionTest, APipeHasNoPosition) {
    int fds[2];
    ASSERT_EQ(::pipe(fds), 0);
    auto p = ev::identify_file(fds[0], "-");
    EXPECT_FALSE(p);
    ::close(fds[0]);
    ::close(fds[1]);
}

TEST(FilePositions, EncodeDecodeRoundTrip) {
    ev::FilePosition p;
    p.path = "/var/log/a \"b\".log";
    p.dev = 65024;
    p.ino = UINT64_MAX;
    p.head_len = 4096;
    p.head_hash = 0x0123456789abcdefULL;
    p.offset = 1ULL << 40;
    std::string json;
    ev::encode_file_positions({p}, json);
    EXPECT_EQ(json, R"([{"dev":65024,"head_hash":"0123456789abcdef","head_len":4096,"ino":18446744073709551615,)"
                    R"("kind":"file","offset":1099511627776,"path":"/var/log/a \"b\".log"}])");
    auto back = ev::decode_file_positions(json);
    ASSERT_TRUE(back);
    ASSERT_EQ(back->size(), 1u);
    EXPECT_EQ((*back)[0].path, p.path);
    EXPECT_EQ((*back)[0].ino, p.ino);
    EXPECT_EQ((*back)[0].head_hash, p.head_hash);
    EXPECT_EQ((*back)[0].offset, p.offset);
}

TEST(FilePositions, OtherKindsAreSkippedBadFilesRefused) {
    auto skipped = ev::decode_file_positions(R"([{"kind":"kafka","topic":"t","partition":0,"offset":5}])");
    ASSERT_TRUE(skipped);
    EXPECT_TRUE(skipped->empty());
    EXPECT_TRUE(ev::decode_file_positions("[]"));
    for (
        const char* bad : {
            R"({})",
            R"([1])",
            R"([{"path":"a"}])",
            R"([{"kind":"file","path":"a","dev":1,"ino":2,"head_len":3,"head_hash":"0123456789abcdeg","offset":0}])",
            R"([{"kind":"file","path":"a","dev":1,"ino":2,"head_len":4097,"head_hash":"0123456789abcdef","offset":0}])",
            R"([{"kind":"file","path":"a","dev":-1,"ino":2,"head_len":3,"head_hash":"0123456789abcdef","offset":0}])",
            R"([{"kind":"file","path":"a","dev":1,"ino":2,"head_len":3,"head_hash":"0123456789abcdef","offset":1.5}])",
        }) {
        EXPECT_FALSE(ev::decode_file_positions(bad)) << bad;
    }
}

}  // namespace
