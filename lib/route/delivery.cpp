#include "route/delivery.h"

namespace ev::route {

uint64_t Delivery::begin(const Position* position) {
    if (m_count == m_ring.size()) {
        grow();
    }
    m_ring[(m_head + m_count) & (m_ring.size() - 1)] = position != nullptr ? *position : Position{k_no_stream, -1};
    return m_first + m_count++;
}

void Delivery::grow() {
    std::vector<Position> bigger(m_ring.size() * 2);
    for (std::size_t i = 0; i < m_count; ++i) {
        bigger[i] = m_ring[(m_head + i) & (m_ring.size() - 1)];
    }
    m_ring.swap(bigger);
    m_head = 0;
}

void Delivery::grow_streams(uint32_t stream) {
    if (stream >= m_stuck_from.size()) {
        m_stuck_from.resize(stream + 1, k_none);
        m_done.resize(stream + 1, -1);
        m_touched.resize(stream + 1, 0);
    }
}

void Delivery::lost(uint64_t number) {
    if (number < m_first || number - m_first >= m_count) {
        return;
    }
    uint32_t stream = m_ring[(m_head + (number - m_first)) & (m_ring.size() - 1)].stream;
    if (stream == k_no_stream) {
        return;
    }
    grow_streams(stream);
    if (number < m_stuck_from[stream]) {
        m_stuck_from[stream] = number;
    }
}

void Delivery::advance(uint64_t held, std::vector<Position>& out) {
    std::size_t mask = m_ring.size() - 1;
    for (; m_count > 0 && m_first < held; ++m_first, --m_count, m_head = (m_head + 1) & mask) {
        const Position& position = m_ring[m_head];
        if (position.stream == k_no_stream) {
            continue;
        }
        grow_streams(position.stream);
        if (m_first >= m_stuck_from[position.stream]) {
            continue;  // behind a lost event: never acknowledged
        }
        if (m_touched[position.stream] == 0) {
            m_touched[position.stream] = 1;
            m_moved.push_back(position.stream);
        }
        m_done[position.stream] = position.offset;
    }
    for (uint32_t stream : m_moved) {
        out.push_back(Position{stream, m_done[stream]});
        m_touched[stream] = 0;
    }
    m_moved.clear();
}

}  // namespace ev::route
