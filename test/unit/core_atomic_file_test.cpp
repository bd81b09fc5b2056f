#include "core/atomic_file.h"

#include <fcntl.h>
#include <grp.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>
#include <string>
#include <vector>

namespace {

namespace fs = std::filesystem;

class AtomicFile : public ::testing::Test {
protected:
    void SetUp() override {
        char tmpl[] = "/tmp/evkit-atomic-XXXXXX";
        ASSERT_NE(::mkdtemp(tmpl), nullptr);
        m_dir = tmpl;
        m_umask = ::umask(022);
    }
    void TearDown() override {
        ::umask(m_umask);
        fs::remove_all(m_dir);
    }

    static std::string read(const std::string& path) {
        std::ifstream in(path, std::ios::binary);
        std::ostringstream s;
        s << in.rdbuf();
        return s.str();
    }
    static void put(const std::string& path, const std::string& text) { std::ofstream(path, std::ios::binary) << text; }
    static mode_t mode_of(const std::string& path) {
        struct stat st {};
        EXPECT_EQ(::lstat(path.c_str(), &st), 0) << path;
        return st.st_mode & 07777;
    }
    // The directory's entries, sorted.
    std::set<std::string> entries() const {
        std::set<std::string> names;
        for (auto& entry : fs::directory_iterator(m_dir)) {
            names.insert(entry.path().filename().string());
        }
        return names;
    }

    std::string m_dir;
    mode_t m_umask = 022;
};

TEST_F(AtomicFile, NewFileIs0600WhateverTheUmask) {
    for (mode_t mask : {mode_t{0}, mode_t{022}, mode_t{077}}) {
        ::umask(mask);
        std::string path = m_dir + "/state" + std::to_string(mask);
        ASSERT_TRUE(ev::atomic_write(path, "one\n").ok());
        EXPECT_EQ(read(path), "one\n");
        EXPECT_EQ(mode_of(path), 0600u) << "umask " << mask;
    }
}

TEST_F(AtomicFile, NewFileTakesTheGivenModeWhateverTheUmask) {
    ::umask(077);
    ASSERT_TRUE(ev::atomic_write(m_dir + "/shared", "x", 0644).ok());
    EXPECT_EQ(mode_of(m_dir + "/shared"), 0644u);
}

TEST_F(AtomicFile, ReplacementKeepsTheOldFilesMode) {
    std::string path = m_dir + "/state";
    for (mode_t mode : {mode_t{0600}, mode_t{0640}, mode_t{0604}, mode_t{0444}}) {
        put(path, "old");
        ASSERT_EQ(::chmod(path.c_str(), mode), 0);
        ASSERT_TRUE(ev::atomic_write(path, "new", 0600).ok());
        EXPECT_EQ(read(path), "new");
        EXPECT_EQ(mode_of(path), mode);
    }
    // Set-id bits are not carried over.
    ASSERT_EQ(::chmod(path.c_str(), 06640), 0);
    ASSERT_TRUE(ev::atomic_write(path, "newer").ok());
    EXPECT_EQ(mode_of(path), 0640u);
    EXPECT_EQ(entries(), std::set<std::string>{"state"});
}

TEST_F(AtomicFile, ReplacementIsANewInodeSoReadersSeeOldOrNew) {
    std::string path = m_dir + "/state";
    put(path, "old");
    int reader = ::open(path.c_str(), O_RDONLY);
    ASSERT_GE(reader, 0);
    ASSERT_TRUE(ev::atomic_write(path, "new contents").ok());
    char buf[32] = {};
    ASSERT_EQ(::read(reader, buf, sizeof buf), 3);
    EXPECT_EQ(std::string(buf, 3), "old");
    ::close(reader);
    EXPECT_EQ(read(path), "new contents");
}

TEST_F(AtomicFile, PiecesAreWrittenInOrder) {
    std::string_view pieces[] = {"header\n", "", "body\n"};
    ASSERT_TRUE(ev::atomic_write(m_dir + "/f", std::span<const std::string_view>(pieces)).ok());
    EXPECT_EQ(read(m_dir + "/f"), "header\nbody\n");
}

TEST_F(AtomicFile, OwnerAndGroupAreKeptWhenPermitted) {
    if (::geteuid() != 0) {
        GTEST_SKIP() << "changing a file's owner needs root";
    }
    std::string path = m_dir + "/state";
    put(path, "old");
    ASSERT_EQ(::chown(path.c_str(), 4321, 4322), 0);
    ASSERT_EQ(::chmod(path.c_str(), 0640), 0);
    ASSERT_TRUE(ev::atomic_write(path, "new").ok());
    struct stat st {};
    ASSERT_EQ(::stat(path.c_str(), &st), 0);
    EXPECT_EQ(st.st_uid, 4321u);
    EXPECT_EQ(st.st_gid, 4322u);
    EXPECT_EQ(st.st_mode & 0777, 0640u);
}

TEST_F(AtomicFile, GroupBitsFollowOthersWhenTheGroupCannotBeKept) {
    if (::geteuid() != 0) {
        GTEST_SKIP() << "needs root to act as another user";
    }
    // A user who owns the directory but is not in the file's group rewrites it:
    // the new file has the user's group, which must not get the old group's read bit.
    std::string path = m_dir + "/state";
    put(path, "old");
    ASSERT_EQ(::chown(m_dir.c_str(), 4321, 4321), 0);
    ASSERT_EQ(::chown(path.c_str(), 4321, 4999), 0);
    ASSERT_EQ(::chmod(path.c_str(), 0640), 0);
    pid_t child = ::fork();
    ASSERT_GE(child, 0);
    if (child == 0) {
        gid_t none[1] = {4321};
        bool ok = ::setgroups(1, none) == 0 && ::setgid(4321) == 0 && ::setuid(4321) == 0 &&
                  ev::atomic_write(path, "new").ok();
        ::_exit(ok ? 0 : 1);
    }
    int status = 0;
    ASSERT_EQ(::waitpid(child, &status, 0), child);
    ASSERT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0);
    struct stat st {};
    ASSERT_EQ(::stat(path.c_str(), &st), 0);
    EXPECT_EQ(read(path), "new");
    EXPECT_EQ(st.st_uid, 4321u);
    EXPECT_EQ(st.st_gid, 4321u);
    EXPECT_EQ(st.st_mode & 0777, 0600u);
}

TEST_F(AtomicFile, ASymlinkAtThePathIsRefusedAndItsTargetUntouched) {
    std::string victim = m_dir + "/victim";
    put(victim, "precious");
    ASSERT_EQ(::symlink(victim.c_str(), (m_dir + "/state").c_str()), 0);
    auto written = ev::atomic_write(m_dir + "/state", "evil");
    ASSERT_FALSE(written.ok());
    EXPECT_EQ(written.error(), m_dir + "/state: is a symbolic link; not replaced (give the path of the file itself)");
    EXPECT_EQ(read(victim), "precious");
    EXPECT_TRUE(fs::is_symlink(m_dir + "/state"));
    EXPECT_EQ(entries(), (std::set<std::string>{"state", "victim"}));
}

TEST_F(AtomicFile, ANonRegularFileIsRefused) {
    ASSERT_EQ(::mkdir((m_dir + "/d").c_str(), 0700), 0);
    ASSERT_EQ(::mkfifo((m_dir + "/p").c_str(), 0600), 0);
    for (const char* name : {"/d", "/p"}) {
        auto written = ev::atomic_write(m_dir + name, "x");
        ASSERT_FALSE(written.ok());
        EXPECT_EQ(written.error(), m_dir + name + ": is not a regular file; not replaced");
    }
    EXPECT_EQ(entries(), (std::set<std::string>{"d", "p"}));
}

TEST_F(AtomicFile, FilesPlantedAtTemporaryNamesAreNeitherFollowedNorOverwritten) {
    std::string victim = m_dir + "/victim";
    put(victim, "precious");
    ASSERT_EQ(::symlink(victim.c_str(), (m_dir + "/.t1").c_str()), 0);
    put(m_dir + "/.t2", "someone else's");
    ASSERT_EQ(::symlink("/nonexistent/x", (m_dir + "/.t3").c_str()), 0);
    std::vector<std::string> names = {".t1", ".t2", ".t3", ".t4"};
    std::size_t next = 0;
    std::string_view pieces[] = {"saved\n"};
    auto written = ev::atomic_write(m_dir + "/state", pieces, 0600, [&] { return names.at(next++); });
    ASSERT_TRUE(written.ok()) << written.error();
    EXPECT_EQ(next, 4u);
    EXPECT_EQ(read(victim), "precious");
    EXPECT_EQ(read(m_dir + "/.t2"), "someone else's");
    EXPECT_TRUE(fs::is_symlink(m_dir + "/.t1"));
    EXPECT_FALSE(fs::exists(m_dir + "/nonexistent"));
    EXPECT_EQ(read(m_dir + "/state"), "saved\n");
    EXPECT_EQ(entries(), (std::set<std::string>{".t1", ".t2", ".t3", "state", "victim"}));
}

TEST_F(AtomicFile, GivesUpWhenEveryTemporaryNameIsTaken) {
    put(m_dir + "/.taken", "");
    std::string_view pieces[] = {"x"};
    auto written = ev::atomic_write(m_dir + "/state", pieces, 0600, [] { return std::string(".taken"); });
    ASSERT_FALSE(written.ok());
    EXPECT_EQ(written.error(),
              m_dir + "/state: cannot create a temporary file in " + m_dir + ": every name tried exists");
    EXPECT_FALSE(fs::exists(m_dir + "/state"));
}

TEST_F(AtomicFile, AFailedWriteRemovesTheTemporaryAndKeepsTheOldFile) {
    std::string path = m_dir + "/state";
    put(path, "old");
    // A file size limit makes write() fail with EFBIG part way.
    struct rlimit saved {};
    ASSERT_EQ(::getrlimit(RLIMIT_FSIZE, &saved), 0);
    auto old_handler = ::signal(SIGXFSZ, SIG_IGN);
    struct rlimit small = saved;
    small.rlim_cur = 4096;
    ASSERT_EQ(::setrlimit(RLIMIT_FSIZE, &small), 0);
    auto written = ev::atomic_write(path, std::string(10000, 'x'));
    ::setrlimit(RLIMIT_FSIZE, &saved);
    ::signal(SIGXFSZ, old_handler);
    ASSERT_FALSE(written.ok());
    EXPECT_EQ(written.error(), path + ": write: File too large");
    EXPECT_EQ(read(path), "old");
    EXPECT_EQ(entries(), std::set<std::string>{"state"});
}

TEST_F(AtomicFile, AMissingDirectoryIsNamed) {
    auto written = ev::atomic_write(m_dir + "/no/state", "x");
    ASSERT_FALSE(written.ok());
    EXPECT_EQ(written.error(),
              m_dir + "/no/state: cannot open the directory " + m_dir + "/no: No such file or directory");
    auto bad = ev::atomic_write(m_dir + "/", "x");
    ASSERT_FALSE(bad.ok());
    EXPECT_EQ(bad.error(), m_dir + "/: not a file name");
}

TEST_F(AtomicFile, APathWithoutADirectoryIsInTheWorkingDirectory) {
    std::string cwd = fs::current_path().string();
    ASSERT_EQ(::chdir(m_dir.c_str()), 0);
    auto written = ev::atomic_write("state", "here");
    ASSERT_EQ(::chdir(cwd.c_str()), 0);
    ASSERT_TRUE(written.ok()) << written.error();
    EXPECT_EQ(read(m_dir + "/state"), "here");
    EXPECT_EQ(entries(), std::set<std::string>{"state"});
}

TEST(AtomicTempName, IsUnpredictableAndRecognised) {
    std::string a = ev::atomic_temp_name("state");
    std::string b = ev::atomic_temp_name("state");
    EXPECT_NE(a, b);
    std::string start = ".state.tmp." + std::to_string(::getpid()) + ".";
    EXPECT_EQ(a.substr(0, start.size()), start);
    EXPECT_EQ(a.size(), start.size() + 12);
    EXPECT_TRUE(ev::is_atomic_temp_name(a));
    EXPECT_TRUE(ev::is_atomic_temp_name(ev::atomic_temp_name("04611686018427387904.seg")));
    EXPECT_LE(ev::atomic_temp_name(std::string(300, 'n')).size(), 255u);
    EXPECT_FALSE(ev::is_atomic_temp_name("state"));
    EXPECT_FALSE(ev::is_atomic_temp_name("state.tmp"));
    EXPECT_FALSE(ev::is_atomic_temp_name(".state.tmp.12.short"));
    EXPECT_FALSE(ev::is_atomic_temp_name(".state.tmp.x1.0123456789ab"));
    EXPECT_FALSE(ev::is_atomic_temp_name("state.tmp.12.0123456789ab"));
}

TEST_F(AtomicFile, StaleTemporariesOfDeadProcessesAreRemoved) {
    pid_t child = ::fork();
    ASSERT_GE(child, 0);
    if (child == 0) {
        ::_exit(0);
    }
    ASSERT_EQ(::waitpid(child, nullptr, 0), child);
    std::string dead = ".state.tmp." + std::to_string(child) + ".0123456789ab";
    std::string mine = ".state.tmp." + std::to_string(::getpid()) + ".0123456789ab";
    std::string init = ".state.tmp.1.0123456789ab";
    std::string other = ".other.tmp." + std::to_string(child) + ".0123456789ab";
    for (const std::string& name : {dead, mine, init, other}) {
        put(m_dir + "/" + name, "partial");
    }
    put(m_dir + "/state", "whole");
    ev::remove_stale_temps(m_dir + "/state");
    EXPECT_EQ(entries(), (std::set<std::string>{mine, init, other, "state"}));
}

}  // namespace
