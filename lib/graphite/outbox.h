// Outbox: one destination's ordered queue of carbon lines, in memory and,
// beyond a bound, in its spool; it remembers what was written to the
// connection until the peer's TCP has acknowledged it, so a broken
// connection re-sends from the first unacknowledged line.
#pragma once

#include <cstdint>
#include <deque>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.h"
#include "graphite/spool.h"

namespace ev::graphite {

/// Counters of one outbox, in datapoints (lines).
struct OutboxCounters {
    uint64_t queued = 0;     ///< lines accepted into the outbox
    uint64_t delivered = 0;  ///< lines the peer's TCP acknowledged (re-sent lines count again)
    uint64_t spooled = 0;    ///< lines written to spool segments
    uint64_t replayed = 0;   ///< lines read back from spool segments
    uint64_t resent = 0;     ///< lines queued again after a connection broke
};

/// The queue for one destination. Order is kept across memory, the spool,
/// reconnections and restarts.
class Outbox {
public:
    /// memory_limit: bytes of lines held in memory before spilling to spool
    /// (may be null: then full() tells the caller to stop reading input).
    Outbox(std::size_t memory_limit, Spool* spool);

    /// Queues segments a previous run left in the spool, ahead of everything.
    void adopt_spool();

    /// Appends complete lines ("path value time\n", count of them) made from
    /// the input event numbered input (numbers rise with every event read;
    /// 0 for lines that no input position waits for).
    void push(std::string_view lines, uint64_t count, uint64_t input);

    /// The next bytes to write, or empty when all is written; loads a spool
    /// segment when its turn comes (an unreadable one is reported and skipped).
    std::string_view next_bytes(std::string& error);
    /// n bytes of next_bytes() went onto the connection at time now.
    void written(std::size_t n, double now);
    /// The peer acknowledged stream bytes since the connection opened. Lines
    /// written more than keep seconds ago (or any, when memory runs short) are dropped.
    void acknowledged(uint64_t stream_bytes, double now, double keep);
    /// Bytes written on the current connection.
    uint64_t stream() const { return m_stream; }
    /// The connection broke: what was written and not acknowledged is
    /// written again, and with resend_acknowledged also the lines carbon's TCP
    /// acknowledged that are held for the resend window; without it those
    /// count as delivered.
    void rewind(bool resend_acknowledged);

    /// Moves the lines held only in memory (not written yet) to spool
    /// segments; with everything, also those written and not acknowledged.
    Result<void> spill(bool everything);

    /// The number of the first input event whose lines are not durable here
    /// yet, or UINT64_MAX when all are. Durable: delivered (acknowledged by
    /// carbon's TCP and out of the resend window, so no longer held) or in a
    /// spool segment, which is synced before it counts.
    uint64_t first_not_durable() const;

    /// True when nothing is queued or awaiting acknowledgement.
    bool empty() const { return m_items.empty(); }
    /// True when there is something not yet written.
    bool has_unwritten() const { return m_next < m_items.size(); }
    /// True when memory is over its limit (the caller spills or waits).
    bool full() const { return m_memory > m_limit; }
    /// Lines still held (memory and spool, segments of earlier runs
    /// included), not yet acknowledged.
    uint64_t pending() const { return m_pending; }
    /// Lines of pending() held only in memory (no spool segment has them).
    uint64_t unspooled() const;
    /// Bytes held in memory.
    std::size_t memory() const { return m_memory; }
    /// Counters since the outbox was made.
    const OutboxCounters& counters() const { return m_counters; }

private:
    struct Item {
        std::string data;          // complete lines; empty while on disk only
        uint64_t count = 0;        // lines
        uint64_t first_input = 0;  // input event of its first line (0: none waits)
        uint64_t seq = 0;          // spool segment holding the same lines; 0 none
        bool loaded = true;        // data is in memory
        uint64_t stream_end = 0;   // stream offset after its last byte, once written
        double written_at = 0;
        bool acked = false;  // the peer's TCP acknowledged it
    };
    uint64_t seq_between(std::size_t index) const;
    void drop_front();

    std::size_t m_limit;
    Spool* m_spool;
    std::deque<Item> m_items;
    std::size_t m_next = 0;    // first item not completely written
    std::size_t m_offset = 0;  // bytes of m_items[m_next] written
    std::size_t m_acked = 0;   // items acknowledged on this connection
    uint64_t m_stream = 0;
    std::size_t m_memory = 0;
    uint64_t m_pending = 0;
    uint64_t m_max_seq = 0;
    OutboxCounters m_counters;
    std::vector<std::string_view> m_pieces;  // the items a spill writes
};

}  // namespace ev::graphite
