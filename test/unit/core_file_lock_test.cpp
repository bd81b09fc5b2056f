#include "core/file_lock.h"

#include <sys/stat.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <cstdlib>
#include <fstream>
#include <string>

namespace ev {
namespace {

class FileLockTest : public testing::Test {
protected:
    void SetUp() override {
        char tmpl[] = "/tmp/evkit_file_lock_test.XXXXXX";
        ASSERT_NE(mkdtemp(tmpl), nullptr);
        m_dir = tmpl;
    }
    void TearDown() override { EXPECT_EQ(std::system(("rm -rf '" + m_dir + "'").c_str()), 0); }
    std::string m_dir;
};

TEST_F(FileLockTest, OneHolderAtATime) {
    std::string path = m_dir + "/state.lock";
    bool busy = true;
    auto first = FileLock::acquire(path, false, &busy);
    ASSERT_TRUE(first) << first.error();
    EXPECT_FALSE(busy);
    struct stat st {};
    ASSERT_EQ(::stat(path.c_str(), &st), 0);
    EXPECT_EQ(st.st_mode & 0777, 0600u);
    // flock(2) locks belong to the open file description: a second open in
    // this process is refused like another process would be.
    auto second = FileLock::acquire(path, false, &busy);
    ASSERT_FALSE(second);
    EXPECT_TRUE(busy);
    EXPECT_EQ(second.error(), path + " is locked by another process");
    {
        FileLock moved = std::move(first).value();  // the lock goes with the object
        EXPECT_FALSE(FileLock::acquire(path, false));
    }
    auto third = FileLock::acquire(path, false, &busy);
    EXPECT_TRUE(third);
    EXPECT_FALSE(busy);
}

TEST_F(FileLockTest, NeverFollowsASymlinkNorCreatesDirectories) {
    std::string victim = m_dir + "/victim";
    std::ofstream(victim) << "precious";
    ASSERT_EQ(::symlink(victim.c_str(), (m_dir + "/planted.lock").c_str()), 0);
    bool busy = true;
    auto planted = FileLock::acquire(m_dir + "/planted.lock", false, &busy);
    EXPECT_FALSE(planted);
    EXPECT_FALSE(busy);
    auto missing = FileLock::acquire(m_dir + "/no/dir/state.lock", false, &busy);
    ASSERT_FALSE(missing);
    EXPECT_FALSE(busy);
    EXPECT_EQ(missing.error(), m_dir + "/no/dir/state.lock: No such file or directory");
}

}  // namespace
}  // namespace ev
