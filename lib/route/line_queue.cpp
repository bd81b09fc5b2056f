#include "route/line_queue.h"

#include <algorithm>
#include <cstring>

namespace ev::route {

LineQueue::LineQueue(std::size_t capacity) : m_capacity(capacity) {}

bool LineQueue::fits(std::size_t n) const {
    std::size_t unsent = m_buf.size() - m_sent;
    return unsent == 0 || unsent + n + 1 <= m_capacity;
}

void LineQueue::push(std::string_view line) {
    if (m_released > 0 && (m_released == m_buf.size() || m_released >= (std::size_t{1} << 16))) {
        compact();
    }
    m_buf.append(line);
    m_buf += '\n';
    ++m_unsent_lines;
}

void LineQueue::mark_sent(std::size_t n) {
    n = std::min(n, m_buf.size() - m_sent);
    auto lines = static_cast<uint64_t>(std::count(m_buf.data() + m_sent, m_buf.data() + m_sent + n, '\n'));
    m_unsent_lines -= lines;
    m_retained_lines += lines;
    m_sent += n;
}

std::string_view LineQueue::pop_line() {
    if (m_sent == m_buf.size()) {
        return {};
    }
    std::size_t nl = m_buf.find('\n', m_sent);
    std::string_view line(m_buf.data() + m_sent, nl - m_sent);
    m_sent = nl + 1;
    m_released = m_sent;
    --m_unsent_lines;
    m_retained_lines = 0;
    return line;
}

std::size_t LineQueue::line_start(std::size_t at) const {
    while (at > m_released && m_buf[at - 1] != '\n') {
        --at;
    }
    return at;
}

uint64_t LineQueue::release(std::size_t unread_bytes) {
    std::size_t read_to = m_sent - std::min(unread_bytes, m_sent - m_released);
    std::size_t to = line_start(read_to);
    auto lines = static_cast<uint64_t>(std::count(m_buf.data() + m_released, m_buf.data() + to, '\n'));
    m_retained_lines -= lines;
    m_released = to;
    if (m_released == m_buf.size()) {
        compact();
    }
    return lines;
}

uint64_t LineQueue::rewind(std::size_t unread_bytes) {
    std::size_t read_to = m_sent - std::min(unread_bytes, m_sent - m_released);
    std::size_t from = line_start(read_to);
    auto lines = static_cast<uint64_t>(std::count(m_buf.data() + from, m_buf.data() + m_sent, '\n'));
    m_unsent_lines += lines;
    m_sent = from;
    m_released = from;
    // Whatever was retained is now either unsent again or released.
    m_retained_lines = 0;
    return lines;
}

uint64_t LineQueue::clear() {
    uint64_t lines = m_unsent_lines;
    m_buf.clear();
    m_released = m_sent = 0;
    m_unsent_lines = 0;
    m_retained_lines = 0;
    compact();
    return lines;
}

void LineQueue::compact() {
    m_buf.erase(0, m_released);
    m_sent -= m_released;
    m_released = 0;
    if (m_buf.empty() && m_buf.capacity() > 2 * m_capacity + 4096) {
        std::string().swap(m_buf);
    }
}

}  // namespace ev::route
