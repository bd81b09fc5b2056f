// Acknowledgement: when an input position may be committed. A position is
// acknowledged only when every output it caused is durable, so a restart
// after a crash resumes before anything whose outputs could be lost.
#pragma once

#include <cstddef>
#include <cstdint>
#include <deque>
#include <unordered_map>
#include <vector>

#include "core/sink.h"

namespace ev {

/// Positions in flight across streams, completed in any order; tells how
/// far each stream is fully handled (its low watermark). For asynchronous
/// engines: a queue entry, a job or a spooled batch holds a ticket.
class AckTracker {
public:
    /// Names one registered position.
    using Ticket = uint64_t;

    /// Registers a position whose outputs are not durable yet. Positions of
    /// one stream are begun in input order.
    Ticket begin(const Position& position);

    /// The outputs of ticket are durable (each ticket once).
    void complete(Ticket ticket);

    /// Appends, per stream whose watermark moved since the last call, the
    /// highest position up to which everything completed.
    void take_advanced(std::vector<Position>& out);

    /// Positions begun and not completed yet.
    std::size_t pending() const { return m_pending; }

private:
    struct Entry {
        int64_t offset;
        bool done;
    };
    struct Stream {
        std::deque<Entry> entries;
        uint64_t first = 0;  // sequence number of entries.front()
        uint64_t next = 0;   // sequence number of the next begin()
        int64_t watermark = -1;
        bool moved = false;
    };
    static constexpr int k_seq_bits = 40;

    std::unordered_map<uint32_t, Stream> m_streams;
    std::size_t m_pending = 0;
};

/// The commit rule of a synchronous tool (outputs in input order): an
/// input is acknowledged once the sink reports durable every line written
/// up to it. Lines become durable when the sink flushes (on idle input, a
/// full buffer, and at least every k_max_age_ms, looked at every
/// k_check_every events, so offsets advance under steady load too) or, for
/// sinks that complete asynchronously (Kafka), whenever a delivery report
/// arrives.
class SyncAck {
public:
    /// Commits to acknowledger what sink made durable.
    SyncAck(Sink& sink, Acknowledger& acknowledger);

    /// Every output of the event at position has been written to the sink.
    /// Cheap: call once per event.
    void handled(const Position& position) {
        // A flush since the last event covers the events before this one;
        // this event may be covered only in part (tickets tell).
        bool flushed = m_sink.durable() != m_durable;
        if (flushed) {
            m_durable = m_sink.durable();
            if (!m_hold) {
                commit();
            }
        }
        uint64_t ticket = m_sink.ticket();
        if (!flushed && !m_marks.empty() && m_marks.back().stream == position.stream &&
            m_marks.back().count < k_mark_span) {
            Mark& mark = m_marks.back();
            mark.ticket = ticket;
            mark.offset = position.offset;
            ++mark.count;
        } else {
            m_marks.push_back(Mark{ticket, position.offset, position.stream, 1});
        }
        if (++m_held >= k_check_every) {
            on_held();
        }
    }

    /// Flushes the sink and, when that succeeded, acknowledges what it covers.
    Result<void> flush();

    /// For a stateful tool: flushes no longer acknowledge by themselves;
    /// release() does, once the state that covers the inputs is saved.
    void hold_for_state() { m_hold = true; }

    /// Flushes the sink and acknowledges everything written: call right
    /// after the state covering it became durable.
    Result<void> release();

    static constexpr uint64_t k_check_every = 4096;
    static constexpr int64_t k_max_age_ms = 1000;
    /// Consecutive events of one stream share one mark (bounded, so a
    /// partly durable run still commits its first part).
    static constexpr uint32_t k_mark_span = 1024;

private:
    // The last input handled when the sink had queued ticket lines.
    struct Mark {
        uint64_t ticket;
        int64_t offset;
        uint32_t stream;
        uint32_t count;
    };

    void on_held();
    void commit();

    Sink& m_sink;
    Acknowledger& m_acknowledger;
    std::deque<Mark> m_marks;  // in input order, tickets ascending
    std::vector<int64_t> m_advanced;
    uint64_t m_durable = 0;
    uint64_t m_held = 0;
    bool m_hold = false;
    int64_t m_last_commit_ms = 0;
};

}  // namespace ev
