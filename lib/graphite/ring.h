// HashRing: carbon's consistent hash ring (carbon_ch), reproduced exactly so
// a series lands on the carbon instance an existing carbon-relay would pick.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "graphite/destination.h"

namespace ev::graphite {

/// The ring position of key: the first 16 bits of its MD5 (carbonHash, carbon_ch).
uint32_t ring_position(std::string_view key);

/// The key carbon hashes for a node's replicas: Python's str() of the tuple
/// (host, instance), e.g. "('10.0.0.1', 'a')" or "('10.0.0.1', None)".
std::string ring_node_key(const Destination& destination);

/// carbon.hashing.ConsistentHashRing plus ConsistentHashingRouter's choice of
/// replicas: nodes are added in order, 100 replicas each, colliding positions
/// moved up by one, lookups bisect to the first position not below the key's.
class HashRing {
public:
    /// Builds the ring over destinations, in the order carbon would add them.
    explicit HashRing(const std::vector<Destination>& destinations, int replica_count = 100);

    /// Appends to out the indexes (into the constructor's list) of the
    /// destinations for metric, as carbon-relay's consistent-hashing router
    /// yields them: up to replication distinct nodes; with diverse, distinct hosts.
    void nodes_for(std::string_view metric, int replication, bool diverse, std::vector<int>& out) const;

    /// Number of ring entries (destinations times replicas).
    std::size_t size() const { return m_ring.size(); }

private:
    struct Entry {
        uint32_t position;
        int node;
    };
    std::vector<Entry> m_ring;  // sorted by position, positions unique
    std::vector<std::string> m_hosts;
};

}  // namespace ev::graphite
