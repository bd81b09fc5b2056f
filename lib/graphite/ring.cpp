#include "graphite/ring.h"

#include <fmt/format.h>

#include <algorithm>

#include "graphite/md5.h"

namespace ev::graphite {

uint32_t ring_position(std::string_view key) {
    auto digest = md5(key);
    // int(hexdigest[:4], 16): the first two bytes, big-endian.
    return (uint32_t{digest[0]} << 8) | digest[1];
}

std::string ring_node_key(const Destination& destination) {
    // Hosts and instances are limited to characters Python's repr prints
    // unchanged between single quotes (parse_destination checks that).
    if (destination.instance.empty()) {
        return fmt::format("('{}', None)", destination.host);
    }
    return fmt::format("('{}', '{}')", destination.host, destination.instance);
}

HashRing::HashRing(const std::vector<Destination>& destinations, int replica_count) {
    for (std::size_t node = 0; node < destinations.size(); ++node) {
        m_hosts.push_back(destinations[node].host);
        std::string key = ring_node_key(destinations[node]);
        for (int i = 0; i < replica_count; ++i) {
            uint32_t position = ring_position(fmt::format("{}:{}", key, i));
            auto by_position = [](const Entry& e, uint32_t p) { return e.position < p; };
            auto it = std::lower_bound(m_ring.begin(), m_ring.end(), position, by_position);
            // carbon: "while position in ring: position += 1".
            while (it != m_ring.end() && it->position == position) {
                ++position;
                ++it;
            }
            m_ring.insert(it, Entry{position, static_cast<int>(node)});
        }
    }
}

void HashRing::nodes_for(std::string_view metric, int replication, bool diverse, std::vector<int>& out) const {
    if (m_ring.empty()) {
        return;
    }
    std::size_t nodes = m_hosts.size();
    if (nodes == 1) {
        out.push_back(0);
        return;
    }
    uint32_t position = ring_position(metric);
    auto it = std::lower_bound(m_ring.begin(), m_ring.end(), position,
                               [](const Entry& e, uint32_t p) { return e.position < p; });
    std::size_t index = static_cast<std::size_t>(it - m_ring.begin()) % m_ring.size();
    std::size_t last = (index + m_ring.size() - 1) % m_ring.size();
    std::size_t first_out = out.size();
    std::size_t seen = 0;
    std::vector<bool> taken(nodes, false);
    std::vector<std::string_view> hosts;
    // get_nodes walks the ring from index up to (not including) last_index,
    // yielding each node once; the router keeps the first `replication`
    // (with DIVERSE_REPLICAS: the first node of each distinct host).
    while (seen < nodes && index != last) {
        int node = m_ring[index].node;
        if (!taken[node]) {
            taken[node] = true;
            ++seen;
            if (diverse) {
                std::string_view host = m_hosts[node];
                if (std::find(hosts.begin(), hosts.end(), host) == hosts.end()) {
                    hosts.push_back(host);
                    out.push_back(node);
                }
            } else {
                out.push_back(node);
            }
            if (out.size() - first_out >= static_cast<std::size_t>(replication)) {
                return;
            }
        }
        index = (index + 1) % m_ring.size();
    }
}

}  // namespace ev::graphite
