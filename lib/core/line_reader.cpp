#include "core/line_reader.h"

#include "core/signals.h"

#include <poll.h>
#include <simdjson.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace ev {

LineReader::LineReader(int fd, std::size_t max_line, std::size_t block)
    : m_fd(fd), m_max_line(max_line), m_block(block) {
    // Room for one maximal line plus a block, plus padding so simdjson may
    // read past the end of any line in place.
    m_buf.resize(m_max_line + 2 * m_block + simdjson::SIMDJSON_PADDING);
}

LineReader::Fill LineReader::fill(int timeout_ms) {
    // Once per block, not per line: a stop ends input after the lines
    // already read, however fast new input keeps arriving.
    if (m_stop && m_stop()) {
        return Fill::stop;
    }
    std::size_t usable = m_buf.size() - simdjson::SIMDJSON_PADDING;
    if (m_end == usable || (m_begin > 0 && usable - m_end < m_block)) {
        std::memmove(m_buf.data(), m_buf.data() + m_begin, m_end - m_begin);
        m_base += m_begin;
        m_scan -= m_begin;
        m_end -= m_begin;
        m_begin = 0;
    }
    pollfd pfd{m_fd, POLLIN, 0};
    int ready = ::poll(&pfd, 1, 0);
    if (ready == 0) {
        if (m_idle) {
            m_idle();
        }
        // Waits go through the signal regime, so a stop, a reload or a
        // counters request is seen at once.
        for (;;) {
            ready = signals::poll(&pfd, 1, timeout_ms);
            if (ready == 0) {
                return Fill::timeout;
            }
            if (ready > 0) {
                break;
            }
            if (errno != EINTR) {
                m_errno = errno;
                return Fill::error;
            }
            if (m_stop && m_stop()) {
                return Fill::stop;
            }
            // Another signal (SIGHUP, SIGUSR1): a caller with a timeout gets
            // control back now to act on it, rather than after the next line.
            if (timeout_ms >= 0) {
                return Fill::timeout;
            }
        }
    }
    for (;;) {
        ssize_t n = ::read(m_fd, m_buf.data() + m_end, usable - m_end);
        if (n > 0) {
            m_end += static_cast<std::size_t>(n);
            return Fill::data;
        }
        if (n == 0) {
            return Fill::eof;
        }
        if (errno == EINTR) {
            continue;
        }
        if (errno == EAGAIN) {
            return Fill::timeout;
        }
        m_errno = errno;
        return Fill::error;
    }
}

LineReader::Status LineReader::next(std::string_view& out, int timeout_ms) {
    for (;;) {
        const char* base = m_buf.data();
        const char* nl = nullptr;
        if (m_scan < m_end) {
            nl = static_cast<const char*>(std::memchr(base + m_scan, '\n', m_end - m_scan));
        }
        if (nl != nullptr) {
            auto at = static_cast<std::size_t>(nl - base);
            std::size_t len = at - m_begin;
            std::size_t start = m_begin;
            m_begin = m_scan = at + 1;
            if (m_in_long) {
                m_in_long = false;
                out = std::string_view(base + start, len);
                return Status::long_end;
            }
            if (len > 0 && base[start + len - 1] == '\r') {
                --len;
            }
            out = std::string_view(base + start, len);
            return len > m_max_line ? Status::long_end : Status::line;
        }
        m_scan = m_end;
        std::size_t pending = m_end - m_begin;
        if (m_in_long && pending > 0) {
            out = std::string_view(base + m_begin, pending);
            m_begin = m_scan = m_end;
            return Status::long_piece;
        }
        if (!m_in_long && pending > m_max_line + 1) {
            // One byte of slack: the line may still end in "\r\n".
            m_in_long = true;
            out = std::string_view(base + m_begin, pending);
            m_begin = m_scan = m_end;
            return Status::long_piece;
        }
        if (m_eof) {
            if (m_in_long) {
                m_in_long = false;
                out = std::string_view(base + m_begin, 0);
                return Status::long_end;
            }
            if (pending == 0) {
                return Status::end;
            }
            std::size_t len = pending;
            if (base[m_begin + len - 1] == '\r') {
                --len;
            }
            out = std::string_view(base + m_begin, len);
            m_begin = m_scan = m_end;
            return len > m_max_line ? Status::long_end : Status::line;
        }
        switch (fill(timeout_ms)) {
            case Fill::data:
                break;
            case Fill::eof:
                m_eof = true;
                break;
            case Fill::timeout:
                return Status::timeout;
            case Fill::stop:
                return Status::end;
            case Fill::error:
                return Status::error;
        }
    }
}

}  // namespace ev
