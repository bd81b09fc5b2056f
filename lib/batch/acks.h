// Acks: acknowledgement for evbatch's asynchronous engines. An input's
// position is acknowledged only once every output it caused is durable in
// the sink: each mode's job holds a ticket from the time its event is read
// until its result event is written and flushed; group mode's groups hold
// the tickets of their members until the notification covering them is.
#pragma once

#include <cstdint>
#include <deque>
#include <utility>
#include <vector>

#include "core/ack.h"
#include "core/sink.h"

namespace ev::batch {

/// An AckTracker tied to one sink: tickets complete when the sink has made
/// durable the line that finished them, and what that releases is
/// acknowledged. Inputs that cause no output of their own cost nothing per
/// input (no ticket): commit() covers them with one marker per stream.
class Acks {
public:
    using Ticket = AckTracker::Ticket;

    /// Completes tickets as sink makes lines durable; acknowledges to acknowledger.
    Acks(Sink& sink, Acknowledger& acknowledger);

    /// An input whose outputs are still to come. Positions of one stream
    /// come in input order, through begin() and passed() alike.
    Ticket begin(const Position& position);

    /// An input that causes no output of its own, or only through tickets
    /// begun before it (a group member whose group holds an earlier ticket).
    void passed(const Position& position);

    /// The last output of ticket is the line just queued on the sink.
    void written(Ticket ticket);

    /// Ticket needs no output after all: it is complete now.
    void done(Ticket ticket);

    /// Completes every ticket whose line the sink made durable, covers the
    /// passed inputs, and acknowledges each stream's new low watermark.
    /// Call after each successful flush; harmless at any time.
    void commit();

    /// Tickets begun and not complete yet.
    std::size_t pending() const { return m_tracker.pending(); }

private:
    Sink& m_sink;
    Acknowledger& m_acknowledger;
    AckTracker m_tracker;
    std::deque<std::pair<uint64_t, Ticket>> m_written;  // (sink line ticket, ticket), in line order
    std::vector<Position> m_passed;                     // per stream: a later input than any begun, with no output
    std::vector<Position> m_advanced;
};

}  // namespace ev::batch
