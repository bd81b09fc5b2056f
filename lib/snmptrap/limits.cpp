#include "snmptrap/limits.h"

#include <algorithm>

namespace ev::snmptrap {

void InformWindow::expire(double now) {
    while (!m_order.empty() && (m_order.front().first + m_window <= now || m_order.size() > m_capacity)) {
        auto it = m_seen.find(m_order.front().second);
        if (it != m_seen.end() && it->second == m_order.front().first) {
            m_seen.erase(it);
        }
        m_order.pop_front();
    }
}

namespace {

std::string key_of(const std::string& source, int64_t request_id) {
    std::string key = source;
    key += '#';
    key += std::to_string(request_id);
    return key;
}

}  // namespace

bool InformWindow::seen(const std::string& source, int64_t request_id, double now) {
    expire(now);
    return m_seen.count(key_of(source, request_id)) != 0;
}

void InformWindow::record(const std::string& source, int64_t request_id, double now) {
    std::string key = key_of(source, request_id);
    m_seen[key] = now;
    m_order.emplace_back(now, std::move(key));
    expire(now);
}

bool RateLimiter::allow(const std::string& source, double now) {
    if (m_rate <= 0) {
        return true;
    }
    auto it = m_buckets.find(source);
    if (it == m_buckets.end()) {
        if (m_buckets.size() >= m_capacity) {
            // Forget the sources that are full again: they lose nothing by it.
            for (auto b = m_buckets.begin(); b != m_buckets.end();) {
                b = now - b->second.last >= 1 ? m_buckets.erase(b) : std::next(b);
            }
            if (m_buckets.size() >= m_capacity) {
                m_buckets.clear();
            }
        }
        it = m_buckets.emplace(source, Bucket{std::max(m_rate, 1.0), now}).first;
    }
    Bucket& b = it->second;
    b.tokens = std::min(std::max(m_rate, 1.0), b.tokens + (now - b.last) * m_rate);
    b.last = now;
    if (b.tokens < 1) {
        return false;
    }
    b.tokens -= 1;
    return true;
}

}  // namespace ev::snmptrap
