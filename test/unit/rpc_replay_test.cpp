#include "rpc/replay.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdlib>
#include <fstream>
#include <string>

namespace ev::rpc {
namespace {

struct TempDir {
    TempDir() {
        char t[] = "/tmp/rpc_replay_test.XXXXXX";
        path = mkdtemp(t);
    }
    ~TempDir() { (void)std::system(("rm -rf " + path).c_str()); }
    std::string path;
};

TEST(ReplayCache, SeenIdsSurviveARestartUntilTheyExpire) {
    TempDir dir;
    std::string file = dir.path + "/seen";
    {
        auto cache = ReplayCache::open(file, 1000);
        ASSERT_TRUE(cache) << cache.error();
        EXPECT_FALSE(cache->seen("a", 1000));
        ASSERT_TRUE(cache->add("a", 1100, 1000));
        ASSERT_TRUE(cache->add("b", 1010, 1000));
        EXPECT_TRUE(cache->seen("a", 1000));
        EXPECT_FALSE(cache->seen("b", 1020));  // expired
    }
    // a torn last line from a crash is skipped
    std::ofstream(file, std::ios::app) << "c 12";
    auto cache = ReplayCache::open(file, 1050);
    ASSERT_TRUE(cache) << cache.error();
    EXPECT_TRUE(cache->seen("a", 1050));
    EXPECT_FALSE(cache->seen("b", 1050));
    EXPECT_FALSE(cache->seen("c", 1050));
    EXPECT_EQ(cache->size(), 1u);
}

TEST(ReplayCache, MemoryOnlyWithoutAPath) {
    auto cache = ReplayCache::open("", 0);
    ASSERT_TRUE(cache);
    ASSERT_TRUE(cache->add("x", 10, 0));
    EXPECT_TRUE(cache->seen("x", 5));
}

}  // namespace
}  // namespace ev::rpc
