// OutputQueue: the bounded hand-over between the receiving thread and the
// thread that writes events, so a slow or stalled output never stops the
// sockets from being read: when the queue is full, events are dropped and
// counted instead.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <string>
#include <string_view>

namespace ev::snmptrap {

/// Lines (each ending in '\n') waiting to be written, at most a byte budget.
class OutputQueue {
public:
    explicit OutputQueue(std::size_t capacity) : m_capacity(capacity) {}

    /// Appends one line (without its newline); false, and nothing queued,
    /// when it does not fit. The writer is not woken: call wake() after a
    /// batch, so it writes the batch in one block rather than line by line.
    bool push(std::string_view line);

    /// Wakes the writer when lines are waiting.
    void wake();

    /// Waits up to timeout_ms for lines (or close()), then swaps them all
    /// into out (cleared first). False once closed and empty.
    bool take(std::string& out, int timeout_ms);

    /// No more lines will come; take() returns what is left, then false.
    void close();

    /// Bytes waiting.
    std::size_t size() const;

private:
    std::size_t m_capacity;
    mutable std::mutex m_mutex;
    std::condition_variable m_ready;
    std::string m_lines;
    bool m_closed = false;
};

}  // namespace ev::snmptrap
