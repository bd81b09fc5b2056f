#include "rpc/policy.h"

#include <gtest/gtest.h>

#include "rpc/envelope.h"

namespace ev::rpc {
namespace {

KeyPair key(char c) {
    return key_from_seed(std::string(k_seed_bytes, c));
}

std::string keys_text() {
    return public_key_line(key('a'), "ops") + "\n# a comment\n\n" + public_key_line(key('b'), "ci") + "\n";
}

Node web() {
    Node n;
    n.host = "web1.example";
    n.facts.set("role", Json("web"));
    return n;
}

TEST(Policy, FirstMatchingLineDecidesAndNothingMeansDeny) {
    auto p =
        Policy::parse(keys_text(), "keys",
                      "deny ci rpcutil.inventory\nallow * rpcutil.*\nallow ops service.restart role=web\n", "policy");
    ASSERT_TRUE(p) << p.error();
    const AuthorizedCaller* ops = p->caller(fingerprint(key('a').pub));
    const AuthorizedCaller* ci = p->caller(fingerprint(key('b').pub));
    ASSERT_NE(ops, nullptr);
    ASSERT_NE(ci, nullptr);
    EXPECT_EQ(ops->name, "ops");
    EXPECT_EQ(p->caller(fingerprint(key('c').pub)), nullptr);
    EXPECT_TRUE(p->decide(*ops, "rpcutil", "inventory", web()).allowed);
    Decision d = p->decide(*ci, "rpcutil", "inventory", web());
    EXPECT_FALSE(d.allowed);
    EXPECT_EQ(d.reason, "denied by policy line 1");
    EXPECT_EQ(p->decide(*ci, "rpcutil", "ping", web()).reason, "policy line 2");
    EXPECT_TRUE(p->decide(*ops, "service", "restart", web()).allowed);
    Node db = web();
    db.facts.set("role", Json("db"));
    d = p->decide(*ops, "service", "restart", db);
    EXPECT_FALSE(d.allowed);
    EXPECT_EQ(d.reason, "no policy line allows it");
    EXPECT_FALSE(p->decide(*ci, "service", "restart", web()).allowed);
}

TEST(Policy, BadLinesNameTheirFileAndLine) {
    EXPECT_EQ(Policy::parse("ed25519 nope ops\n", "keys", "", "policy").error(),
              "keys:1: the key is not a base64 ed25519 public key");
    EXPECT_EQ(Policy::parse(keys_text(), "keys", "allow\n", "policy").error(),
              "policy:1: expected \"allow|deny CALLER ACTIONS [FACT-TEST ...]\"");
    EXPECT_EQ(Policy::parse(keys_text(), "keys", "\nallow eve *\n", "policy").error(),
              "policy:2: caller eve is not in the authorized keys");
    EXPECT_EQ(Policy::parse(keys_text(), "keys", "allow ops restart\n", "policy").error(),
              "policy:1: action restart is not AGENT.ACTION, AGENT.* or *");
    EXPECT_EQ(Policy::parse(keys_text() + keys_text(), "keys", "", "policy").error(),
              "keys:5: key or name ops listed twice");
}

}  // namespace
}  // namespace ev::rpc
