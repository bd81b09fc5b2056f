// EventNumbers: which routed events a destination holds, in order, so it can
// say which ones are done once it has written (or its process has read)
// them; stored as runs of consecutive numbers, a few bytes for a whole queue.
#pragma once

#include <cstddef>
#include <cstdint>
#include <deque>

namespace ev::route {

/// A FIFO of increasing event numbers, run-length coded: a destination that
/// takes every event holds one run whatever its queue's length.
class EventNumbers {
public:
    /// Appends number, which is larger than every number held.
    void push(uint64_t number) {
        if (!m_runs.empty() && m_runs.back().first + m_runs.back().count == number) {
            ++m_runs.back().count;
        } else {
            m_runs.push_back(Run{number, 1});
        }
        ++m_size;
    }
    /// Removes and returns the oldest number; the queue must not be empty.
    uint64_t pop();
    /// Removes the count oldest numbers (all there are, when fewer).
    void pop(uint64_t count);
    /// The oldest number; the queue must not be empty.
    uint64_t front() const { return m_runs.front().first; }
    /// Forgets every number.
    void clear();
    /// Numbers held.
    std::size_t size() const { return m_size; }
    /// True when nothing is held.
    bool empty() const { return m_size == 0; }
    /// Runs held (for tests: memory grows with runs, not numbers).
    std::size_t runs() const { return m_runs.size(); }

private:
    struct Run {
        uint64_t first;
        uint64_t count;
    };
    std::deque<Run> m_runs;
    std::size_t m_size = 0;
};

}  // namespace ev::route
