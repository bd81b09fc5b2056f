// LineQueue: a destination's bounded in-memory queue of NDJSON lines.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace ev::route {

/// Lines waiting for a destination, held as one byte buffer. Bytes pass
/// through two stages: unsent, then retained (handed to a pipe, maybe not
/// yet read by the process behind it) until released. The capacity bounds
/// the unsent bytes; retained bytes are bounded by what the pipe holds. One
/// line longer than the capacity is still accepted into an empty queue so
/// nothing is too big to deliver.
class LineQueue {
public:
    /// A queue that holds at most capacity bytes.
    explicit LineQueue(std::size_t capacity);

    /// True when a line of n bytes (plus its newline) fits now.
    bool fits(std::size_t n) const;
    /// Appends line and a newline; call fits() first.
    void push(std::string_view line);

    /// The bytes not yet handed on.
    std::string_view unsent() const { return std::string_view(m_buf).substr(m_sent); }
    /// Marks the first n unsent bytes as handed on (retained until released).
    void mark_sent(std::size_t n);
    /// The next whole unsent line without its newline, marked sent and released
    /// at once; empty when no line is queued. Valid until the next change.
    std::string_view pop_line();

    /// Releases retained bytes, keeping the last unread_bytes of what was sent
    /// (rounded back to the start of their line); returns how many whole
    /// lines that released.
    uint64_t release(std::size_t unread_bytes);
    /// Makes the last unread_bytes of what was sent unsent again, from the start
    /// of their line; returns how many whole lines that puts back. Lines
    /// before them are released: call release() first to count those.
    uint64_t rewind(std::size_t unread_bytes);

    /// Forgets everything; returns how many unsent lines that discarded
    /// (retained ones are forgotten too: count them first if they matter).
    uint64_t clear();

    /// Bytes held in memory (retained and unsent).
    std::size_t bytes() const { return m_buf.size() - m_released; }
    /// Lines not yet handed on.
    uint64_t unsent_lines() const { return m_unsent_lines; }
    /// Whole lines handed on and not yet released (sitting unread in a pipe).
    uint64_t retained_lines() const { return m_retained_lines; }
    /// True when nothing is waiting to be handed on.
    bool empty() const { return m_sent == m_buf.size(); }
    std::size_t capacity() const { return m_capacity; }

private:
    void compact();
    // Start of the line containing byte at, searching back no further than m_released.
    std::size_t line_start(std::size_t at) const;

    std::size_t m_capacity;
    std::string m_buf;
    std::size_t m_released = 0;  // bytes before this are free
    std::size_t m_sent = 0;      // bytes before this were handed on
    uint64_t m_unsent_lines = 0;
    uint64_t m_retained_lines = 0;
};

}  // namespace ev::route
