// Delivery: evroute's acknowledgement bookkeeping. Every routed event gets a
// number, in input order; each destination keeps the numbers of the events
// it holds, oldest first, until they are written there (a file: written;
// standard output: flushed; a FIFO: taken by the pipe; a consumer: read by
// the process; a callback: the call ended). Every destination finishes its
// events in order (callbacks keep their few running calls aside), so the
// oldest event any destination still holds is the low watermark: every
// event before it is written everywhere it went, and its position may be
// acknowledged (Input::acknowledge) without a count per event.
#pragma once

#include <cstddef>
#include <cstdint>
#include <limits>
#include <vector>

#include "core/sink.h"

namespace ev::route {

/// Numbers for routed events and the positions they acknowledge.
class Delivery {
public:
    /// Held by nobody: the value of Destination::oldest_held() when empty.
    static constexpr uint64_t k_none = std::numeric_limits<uint64_t>::max();

    /// Numbers a new routed event. position is null for events evroute makes
    /// itself (counters, failure reports): nothing to acknowledge for them.
    uint64_t begin(const Position* position);

    /// The number the next begin() returns.
    uint64_t next() const { return m_first + m_count; }

    /// A destination gave up on event number (its output failed, or evroute
    /// gave up at exit): that position, and every later one of its stream, is
    /// never acknowledged.
    void lost(uint64_t number);

    /// Every event numbered below held is written everywhere it went (held:
    /// the oldest event still held anywhere, or next()). Appends, per stream
    /// whose watermark moved, the position up to which its events are done.
    void advance(uint64_t held, std::vector<Position>& out);

    /// Events begun and not yet passed by advance().
    std::size_t in_flight() const { return m_count; }

private:
    static constexpr uint32_t k_no_stream = std::numeric_limits<uint32_t>::max();

    void grow();
    void grow_streams(uint32_t stream);

    // A ring of the positions of the events in flight, the oldest (number
    // m_first) at m_head: it grows to the most ever in flight, then
    // allocates nothing.
    std::vector<Position> m_ring = std::vector<Position>(64);
    std::size_t m_head = 0;
    std::size_t m_count = 0;
    uint64_t m_first = 1;
    std::vector<uint64_t> m_stuck_from;  // per stream: the first event lost, k_none when none
    std::vector<int64_t> m_done;         // per stream: the offset reached by this advance()
    std::vector<char> m_touched;         // per stream: m_done set by this advance()
    std::vector<uint32_t> m_moved;       // the streams touched, in order
};

}  // namespace ev::route
