#include "snmptrap/queue.h"

#include <chrono>

namespace ev::snmptrap {

bool OutputQueue::push(std::string_view line) {
    std::lock_guard lock(m_mutex);
    if (m_lines.size() + line.size() + 1 > m_capacity) {
        return false;
    }
    m_lines.append(line);
    m_lines += '\n';
    return true;
}

void OutputQueue::wake() {
    bool waiting = false;
    {
        std::lock_guard lock(m_mutex);
        waiting = !m_lines.empty();
    }
    if (waiting) {
        m_ready.notify_one();
    }
}

bool OutputQueue::take(std::string& out, int timeout_ms) {
    out.clear();
    std::unique_lock lock(m_mutex);
    m_ready.wait_for(lock, std::chrono::milliseconds(timeout_ms), [&] { return !m_lines.empty() || m_closed; });
    out.swap(m_lines);
    return !(m_closed && out.empty());
}

void OutputQueue::close() {
    {
        std::lock_guard lock(m_mutex);
        m_closed = true;
    }
    m_ready.notify_all();
}

std::size_t OutputQueue::size() const {
    std::lock_guard lock(m_mutex);
    return m_lines.size();
}

}  // namespace ev::snmptrap
