#include "core/ack.h"

#include "core/clock.h"

namespace ev {

AckTracker::Ticket AckTracker::begin(const Position& position) {
    Stream& s = m_streams[position.stream];
    s.entries.push_back(Entry{position.offset, false});
    ++m_pending;
    return (static_cast<uint64_t>(position.stream) << k_seq_bits) | s.next++;
}

void AckTracker::complete(Ticket ticket) {
    auto found = m_streams.find(static_cast<uint32_t>(ticket >> k_seq_bits));
    if (found == m_streams.end()) {
        return;
    }
    Stream& s = found->second;
    uint64_t seq = ticket & ((uint64_t{1} << k_seq_bits) - 1);
    if (seq < s.first || seq - s.first >= s.entries.size() || s.entries[seq - s.first].done) {
        return;
    }
    s.entries[seq - s.first].done = true;
    --m_pending;
    while (!s.entries.empty() && s.entries.front().done) {
        s.watermark = s.entries.front().offset;
        s.moved = true;
        s.entries.pop_front();
        ++s.first;
    }
}

void AckTracker::take_advanced(std::vector<Position>& out) {
    for (auto& [stream, s] : m_streams) {
        if (s.moved) {
            out.push_back(Position{stream, s.watermark});
            s.moved = false;
        }
    }
}

SyncAck::SyncAck(Sink& sink, Acknowledger& acknowledger)
    : m_sink(sink), m_acknowledger(acknowledger), m_last_commit_ms(static_cast<int64_t>(steady_now() * 1000)) {}

Result<void> SyncAck::flush() {
    auto flushed = m_sink.flush();
    if (flushed) {
        m_durable = m_sink.durable();
        if (!m_hold) {
            commit();
        }
    }
    return flushed;
}

Result<void> SyncAck::release() {
    auto flushed = m_sink.flush();
    if (flushed) {
        m_durable = m_sink.durable();
        commit();
    }
    return flushed;
}

void SyncAck::commit() {
    m_held = 0;
    m_last_commit_ms = static_cast<int64_t>(steady_now() * 1000);
    bool any = false;
    while (!m_marks.empty() && m_marks.front().ticket <= m_durable) {
        const Mark& mark = m_marks.front();
        if (mark.stream >= m_advanced.size()) {
            m_advanced.resize(mark.stream + 1, -1);
        }
        m_advanced[mark.stream] = mark.offset;
        m_marks.pop_front();
        any = true;
    }
    if (!any) {
        return;
    }
    for (std::size_t i = 0; i < m_advanced.size(); ++i) {
        if (m_advanced[i] >= 0) {
            m_acknowledger.acknowledge(Position{static_cast<uint32_t>(i), m_advanced[i]});
            m_advanced[i] = -1;
        }
    }
}

void SyncAck::on_held() {
    m_held = 0;
    if (!m_hold && static_cast<int64_t>(steady_now() * 1000) - m_last_commit_ms >= k_max_age_ms) {
        (void)flush();
    }
}

}  // namespace ev
