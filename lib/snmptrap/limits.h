// Limits on what one source can make the receiver emit: retransmitted
// informs are emitted once (InformWindow), a flooding source is held to a
// rate (RateLimiter). Both are bounded in memory whatever sources send.
#pragma once

#include <cstdint>
#include <deque>
#include <string>
#include <unordered_map>

namespace ev::snmptrap {

/// Remembers informs (source address and port, request id) for a window, so
/// a retransmission is acknowledged again but emitted once.
class InformWindow {
public:
    /// window: seconds an inform is remembered; capacity: most remembered at once.
    explicit InformWindow(double window = 30, std::size_t capacity = 65536) : m_window(window), m_capacity(capacity) {}

    /// True when (source, request_id) was recorded within the window.
    bool seen(const std::string& source, int64_t request_id, double now);
    /// Records (source, request_id) at now: once its event was queued.
    void record(const std::string& source, int64_t request_id, double now);

private:
    void expire(double now);

    double m_window;
    std::size_t m_capacity;
    std::unordered_map<std::string, double> m_seen;
    std::deque<std::pair<double, std::string>> m_order;
};

/// A token bucket per source address: rate traps a second, bursts of rate.
class RateLimiter {
public:
    /// rate 0 turns limiting off.
    explicit RateLimiter(double rate = 0, std::size_t capacity = 65536) : m_rate(rate), m_capacity(capacity) {}

    /// True when source may send one more trap now (and takes its token).
    bool allow(const std::string& source, double now);

private:
    struct Bucket {
        double tokens = 0;
        double last = 0;
    };
    double m_rate;
    std::size_t m_capacity;
    std::unordered_map<std::string, Bucket> m_buckets;
};

}  // namespace ev::snmptrap
