#include "rpc/envelope.h"

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <string>

namespace ev::rpc {
namespace {

KeyPair test_key(char fill) {
    return key_from_seed(std::string(k_seed_bytes, fill));
}

TEST(Envelope, SealThenOpenGivesTheBodyAndSigner) {
    KeyPair key = test_key('a');
    std::string body = R"({"type":"rpc.request","x":"a \"quoted\" line\nand more"})";
    auto opened = open_envelope(seal(key, body));
    ASSERT_TRUE(opened) << opened.error();
    EXPECT_EQ(opened->body, body);
    EXPECT_EQ(opened->pub, key.pub);
    EXPECT_EQ(opened->fingerprint, fingerprint(key.pub));
}

TEST(Envelope, FingerprintIsSixteenBytesOfHex) {
    std::string fp = fingerprint(test_key('b').pub);
    EXPECT_EQ(fp.substr(0, 8), "ed25519:");
    EXPECT_EQ(fp.size(), 8u + 32u);
    EXPECT_EQ(fp.find_first_not_of("0123456789abcdef", 8), std::string::npos);
    EXPECT_NE(fp, fingerprint(test_key('c').pub));
}

TEST(Envelope, AChangedBodyDoesNotVerify) {
    std::string line = seal(test_key('a'), R"({"n":1})");
    std::string forged = line;
    forged.replace(forged.find("\\\"n\\\":1"), 7, "\\\"n\\\":2");
    auto opened = open_envelope(forged);
    ASSERT_FALSE(opened);
    EXPECT_EQ(opened.error(), "bad signature");
}

TEST(Envelope, AnotherKeysSignatureDoesNotVerify) {
    std::string a = seal(test_key('a'), "{}");
    std::string b = seal(test_key('b'), "{}");
    // a's key with b's signature
    std::string mixed = a.substr(0, a.find("\"sig\"")) + b.substr(b.find("\"sig\""));
    auto opened = open_envelope(mixed);
    ASSERT_FALSE(opened);
    EXPECT_EQ(opened.error(), "bad signature");
}

TEST(Envelope, RefusesWhatIsNotAnEnvelope) {
    EXPECT_EQ(open_envelope("").error(), "not JSON");
    EXPECT_EQ(open_envelope("[1]").error(), "not a JSON object");
    EXPECT_EQ(open_envelope(R"({"body":"{}"})").error(), "not an envelope (needs v, key, sig and body)");
    std::string line = seal(test_key('a'), "{}");
    std::string v2 = line;
    v2.replace(0, 6, "{\"v\":2");
    EXPECT_EQ(open_envelope(v2).error(), "unknown envelope version 2");
    std::string dup = line;
    dup.insert(1, "\"body\":\"{}\",");
    EXPECT_EQ(open_envelope(dup).error(), "duplicate field \"body\"");
    std::string badkey = line;
    badkey.replace(badkey.find("\"key\":\"") + 7, 4, "!!!!");
    EXPECT_EQ(open_envelope(badkey).error(), "key is not a base64 ed25519 public key");
}

TEST(Envelope, Base64RoundTrips) {
    for (std::string s :
         {std::string(), std::string("a"), std::string("ab"), std::string("abc"), std::string(100, '\xff')}) {
        auto back = unbase64(base64(s));
        ASSERT_TRUE(back);
        EXPECT_EQ(*back, s);
    }
    EXPECT_FALSE(unbase64("abc"));
    EXPECT_FALSE(unbase64("ab=c"));
}

TEST(Envelope, KeyFilesRoundTripAndAreNeverOverwritten) {
    char dir[] = "/tmp/rpc_envelope_test.XXXXXX";
    ASSERT_NE(mkdtemp(dir), nullptr);
    std::string path = std::string(dir) + "/agent.key";
    auto created = load_or_create_key(path, "node1");
    ASSERT_TRUE(created) << created.error();
    struct stat st {};
    ASSERT_EQ(stat(path.c_str(), &st), 0);
    EXPECT_EQ(st.st_mode & 0777, 0600u);
    auto loaded = load_or_create_key(path, "node1");
    ASSERT_TRUE(loaded) << loaded.error();
    EXPECT_EQ(loaded->pub, created->pub);
    EXPECT_EQ(loaded->secret, created->secret);
    EXPECT_FALSE(write_key(path, generate_key(), "x"));
    ASSERT_EQ(chmod(path.c_str(), 0644), 0);
    auto open_key = load_key(path);
    ASSERT_FALSE(open_key);
    EXPECT_NE(open_key.error().find("readable by its owner only"), std::string::npos);
    std::string cmd = std::string("rm -rf ") + dir;
    ASSERT_EQ(std::system(cmd.c_str()), 0);
}

}  // namespace
}  // namespace ev::rpc
