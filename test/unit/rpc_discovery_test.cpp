#include "rpc/discovery.h"

#include <gtest/gtest.h>

using namespace ev;
using namespace ev::rpc;

namespace {

const char* k_id1 = "ed25519:00000000000000000000000000000001";
const char* k_id2 = "ed25519:00000000000000000000000000000002";

std::string registration(const std::string& host, const std::string& id, double time, double ttl,
                         const std::string& facts = R"({"role":"web"})") {
    return R"({"time":)" + std::to_string(time) + R"(,"type":"status","subject":")" + host +
           R"(","name":"evrpc.agent","state":"ok","ttl":)" + std::to_string(ttl) + R"(,"data":{"agent_id":")" + id +
           R"(","facts":)" + facts + R"(,"classes":["base"],"agents":{"rpcutil":["ping","inventory"]}}})";
}

}  // namespace

TEST(RpcDiscovery, ParsesARegistration) {
    auto node = parse_registration(registration("web1", k_id1, 100, 90));
    ASSERT_TRUE(node.ok()) << node.error();
    EXPECT_EQ(node->host, "web1");
    EXPECT_EQ(node->agent_id, k_id1);
    EXPECT_EQ(node->time, 100);
    EXPECT_EQ(node->ttl, 90);
    EXPECT_EQ(to_canonical(node->facts), R"({"role":"web"})");
    EXPECT_EQ(node->classes, std::vector<std::string>{"base"});
    EXPECT_EQ(node->agents.at("rpcutil").size(), 2u);
}

TEST(RpcDiscovery, RefusesWhatIsNotARegistration) {
    EXPECT_FALSE(parse_registration("not json").ok());
    EXPECT_FALSE(parse_registration(R"({"subject":"a","name":"load"})").ok());
    EXPECT_FALSE(parse_registration(R"({"subject":"a","name":"evrpc.agent","data":{}})").ok());
    EXPECT_FALSE(parse_registration(R"({"subject":"a","name":"evrpc.agent","data":{"agent_id":"x"}})").ok());
    EXPECT_FALSE(
        parse_registration(R"({"name":"evrpc.agent","data":{"agent_id":"ed25519:00000000000000000000000000000001"}})")
            .ok());
}

TEST(RpcDiscovery, RegistryKeepsTheLatestAndDropsTheExpired) {
    Registry r;
    EXPECT_TRUE(r.add(registration("web1", k_id1, 100, 90, R"({"v":1})")));
    EXPECT_TRUE(r.add(registration("web1", k_id1, 200, 90, R"({"v":2})")));
    EXPECT_TRUE(r.add(registration("web1", k_id1, 150, 90, R"({"v":3})")));  // older: ignored
    EXPECT_TRUE(r.add(registration("db1", k_id2, 100, 90)));
    EXPECT_FALSE(r.add(R"({"subject":"x","name":"other"})"));
    EXPECT_EQ(r.size(), 2u);
    auto alive = r.alive(250);
    ASSERT_EQ(alive.size(), 1u);  // db1's registration ran out at 190
    EXPECT_EQ(alive[0].host, "web1");
    EXPECT_EQ(to_canonical(alive[0].facts), R"({"v":2})");
    alive = r.alive(150);
    ASSERT_EQ(alive.size(), 2u);
    EXPECT_EQ(alive[0].host, "db1");  // sorted by host
}

TEST(RpcDiscovery, HostListTargetsAndSelection) {
    std::vector<HostListEntry> list = {{"web1.example", std::nullopt}, {k_id2, std::nullopt}};
    auto targets = targets_of(list);
    ASSERT_EQ(targets.size(), 2u);
    EXPECT_EQ(targets[0].address(), "web1.example");
    EXPECT_EQ(targets[1].address(), k_id2);
    EXPECT_TRUE(targets[1].host.empty());
    EXPECT_TRUE(is_agent_id(k_id1));
    EXPECT_FALSE(is_agent_id("ed25519:0000"));
    EXPECT_FALSE(is_agent_id("ed25519:0000000000000000000000000000000G"));

    Registry r;
    r.add(registration("web1", k_id1, 100, 0));
    r.add(registration("db1", k_id2, 100, 0, R"({"role":"db"})"));
    Filter f;
    f.facts.push_back({"role", "=", "db"});
    auto m = Matcher::compile(f);
    ASSERT_TRUE(m.ok());
    auto selected = select_nodes(r.alive(1e9), *m);  // no ttl: holds until replaced
    ASSERT_EQ(selected.size(), 1u);
    EXPECT_EQ(selected[0].host, "db1");
    EXPECT_EQ(selected[0].address(), k_id2);
}
