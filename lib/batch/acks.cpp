#include "batch/acks.h"

#include <algorithm>

namespace ev::batch {

Acks::Acks(Sink& sink, Acknowledger& acknowledger) : m_sink(sink), m_acknowledger(acknowledger) {}

Acks::Ticket Acks::begin(const Position& position) {
    // The ticket covers the passed inputs before it: it completes only once
    // everything before it on its stream has.
    std::erase_if(m_passed, [&](const Position& p) { return p.stream == position.stream; });
    return m_tracker.begin(position);
}

void Acks::passed(const Position& position) {
    for (Position& p : m_passed) {
        if (p.stream == position.stream) {
            p = position;
            return;
        }
    }
    m_passed.push_back(position);
}

void Acks::written(Ticket ticket) {
    m_written.emplace_back(m_sink.ticket(), ticket);
}

void Acks::done(Ticket ticket) {
    m_tracker.complete(ticket);
}

void Acks::commit() {
    uint64_t durable = m_sink.durable();
    while (!m_written.empty() && m_written.front().first <= durable) {
        m_tracker.complete(m_written.front().second);
        m_written.pop_front();
    }
    // One marker per stream for the inputs without outputs since its last
    // ticket: it completes at once, and the watermark reaches it when every
    // ticket before it has.
    for (const Position& p : m_passed) {
        m_tracker.complete(m_tracker.begin(p));
    }
    m_passed.clear();
    m_advanced.clear();
    m_tracker.take_advanced(m_advanced);
    for (const Position& p : m_advanced) {
        m_acknowledger.acknowledge(p);
    }
}

}  // namespace ev::batch
