#include "rpc/known_agents.h"

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <fstream>
#include <sstream>

using namespace ev::rpc;

namespace {

const std::string k_a = "ed25519:0000000000000000000000000000000a";
const std::string k_b = "ed25519:0000000000000000000000000000000b";

}  // namespace

TEST(RpcKnownAgents, FirstSightPinsThenAnotherKeyIsAMismatch) {
    auto known = KnownAgents::parse("# pins\nweb1 " + k_a + "\n\n", "f");
    ASSERT_TRUE(known.ok()) << known.error();
    EXPECT_EQ(known->check("web1", k_a, true), KnownAgents::Verdict::known);
    EXPECT_EQ(known->check("web1", k_b, true), KnownAgents::Verdict::mismatch);
    EXPECT_EQ(known->check("web2", k_b, false), KnownAgents::Verdict::unknown);
    EXPECT_EQ(known->check("web2", k_b, true), KnownAgents::Verdict::pinned);
    EXPECT_EQ(known->check("web2", k_b, true), KnownAgents::Verdict::known);
    EXPECT_EQ(*known->pinned("web2"), k_b);
}

TEST(RpcKnownAgents, BadLinesNameTheirLine) {
    EXPECT_EQ(KnownAgents::parse("web1\n", "f").error(), "f:1: expected HOST FINGERPRINT (ed25519:32 hex digits)");
    EXPECT_FALSE(KnownAgents::parse("web1 ed25519:xyz\n", "f").ok());
}

TEST(RpcKnownAgents, SavesPrivatelyAndReloads) {
    char dir[] = "/tmp/rpc_known_XXXXXX";
    ASSERT_NE(mkdtemp(dir), nullptr);
    std::string path = std::string(dir) + "/sub/known_agents";
    auto known = KnownAgents::load(path);
    ASSERT_TRUE(known.ok()) << known.error();
    EXPECT_EQ(known->check("web1", k_a, true), KnownAgents::Verdict::pinned);
    ASSERT_TRUE(known->save().ok());
    struct stat st {};
    ASSERT_EQ(::stat(path.c_str(), &st), 0);
    EXPECT_EQ(st.st_mode & 0777, 0600u);
    auto again = KnownAgents::load(path);
    ASSERT_TRUE(again.ok()) << again.error();
    EXPECT_EQ(again->check("web1", k_b, true), KnownAgents::Verdict::mismatch);
    std::system((std::string("rm -rf ") + dir).c_str());
}
