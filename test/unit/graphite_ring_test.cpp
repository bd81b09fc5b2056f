#include "graphite/ring.h"

#include <gtest/gtest.h>

namespace {

using ev::graphite::Destination;
using ev::graphite::HashRing;
using ev::graphite::parse_destination;
using ev::graphite::ring_node_key;
using ev::graphite::ring_position;

std::vector<Destination> dests(std::initializer_list<const char*> texts) {
    std::vector<Destination> out;
    for (const char* t : texts) {
        out.push_back(parse_destination(t).value());
    }
    return out;
}

// Expected values below were printed by carbon 1.1.7's own
// carbon.hashing / carbon.routers (Debian graphite-carbon).
TEST(GraphiteRing, PositionIsFirstSixteenBitsOfMd5) {
    EXPECT_EQ(ring_position(""), 54301u);
    EXPECT_EQ(ring_position("a"), 3265u);
    EXPECT_EQ(ring_position("servers.web01.load"), 16904u);
    EXPECT_EQ(ring_position("('127.0.0.1', None):0"), 52941u);
}

TEST(GraphiteRing, NodeKeyIsPythonTupleText) {
    EXPECT_EQ(ring_node_key(parse_destination("127.0.0.1:2003").value()), "('127.0.0.1', None)");
    EXPECT_EQ(ring_node_key(parse_destination("127.0.0.1:2003:a").value()), "('127.0.0.1', 'a')");
    EXPECT_EQ(ring_node_key(parse_destination("[::1]:2003:b").value()), "('::1', 'b')");
}

TEST(GraphiteRing, PlacementMatchesCarbonRouter) {
    HashRing ring(dests({"127.0.0.1:2003:a", "127.0.0.1:2103:b", "10.0.0.1:2003"}));
    EXPECT_EQ(ring.size(), 300u);
    std::vector<int> nodes;
    // carbon: a.b -> a, 10.0.0.1; servers.web01.load -> 10.0.0.1, b; x -> 10.0.0.1, a (diverse).
    ring.nodes_for("a.b", 2, true, nodes);
    EXPECT_EQ(nodes, (std::vector<int>{0, 2}));
    nodes.clear();
    ring.nodes_for("servers.web01.load", 2, true, nodes);
    EXPECT_EQ(nodes, (std::vector<int>{2, 1}));
    nodes.clear();
    ring.nodes_for("x", 2, true, nodes);
    EXPECT_EQ(nodes, (std::vector<int>{2, 0}));
    nodes.clear();
    ring.nodes_for("x", 1, true, nodes);
    EXPECT_EQ(nodes, (std::vector<int>{2}));
}

TEST(GraphiteRing, DiverseReplicasSkipASecondInstanceOnTheSameHost) {
    HashRing ring(dests({"127.0.0.1:2003:a", "127.0.0.1:2103:b"}));
    std::vector<int> diverse;
    std::vector<int> plain;
    for (const char* metric : {"a.b", "c.d", "e.f", "servers.web01.load"}) {
        diverse.clear();
        plain.clear();
        ring.nodes_for(metric, 2, true, diverse);
        ring.nodes_for(metric, 2, false, plain);
        EXPECT_EQ(diverse.size(), 1u) << metric;
        ASSERT_EQ(plain.size(), 2u) << metric;
        EXPECT_NE(plain[0], plain[1]);
        EXPECT_EQ(diverse[0], plain[0]);
    }
}

TEST(GraphiteRing, OneDestinationTakesEverything) {
    HashRing ring(dests({"127.0.0.1:2003"}));
    std::vector<int> nodes;
    ring.nodes_for("anything", 3, true, nodes);
    EXPECT_EQ(nodes, (std::vector<int>{0}));
}

TEST(GraphiteRing, ReplicationIsCappedByTheNodes) {
    HashRing ring(dests({"10.0.0.1:2003", "10.0.0.2:2003", "10.0.0.3:2003"}));
    std::vector<int> nodes;
    ring.nodes_for("m", 5, true, nodes);
    EXPECT_EQ(nodes.size(), 3u);
}

}  // namespace
