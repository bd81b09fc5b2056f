// LineReader: splits a file descriptor into lines, reading large blocks and
// handing out zero-copy views with simdjson padding after each line.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <string_view>
#include <vector>

namespace ev {

/// Reads lines from one file descriptor. Views stay valid until the next call.
class LineReader {
public:
    /// What next() found.
    enum class Status {
        line,        ///< a complete line (without "\n" or "\r\n")
        long_piece,  ///< a piece of an over-long line; more pieces follow
        long_end,    ///< the last piece of an over-long line
        timeout,     ///< no complete line within the timeout, or a signal other than a stop arrived
        end,         ///< end of input, or a stop was requested
        error,       ///< read failed; errno_value() says why
    };

    /// Reads fd (not owned); lines longer than max_line bytes come as pieces.
    LineReader(int fd, std::size_t max_line, std::size_t block = std::size_t{1} << 20);

    /// The next line or piece in out. timeout_ms < 0 waits for ever.
    Status next(std::string_view& out, int timeout_ms = -1);

    /// Called before blocking when no input is ready (flush point).
    void set_idle(std::function<void()> idle) { m_idle = std::move(idle); }

    /// Asked before each block is read and when a wait is interrupted by a
    /// signal; returning true ends input after the lines already read.
    void set_interrupt(std::function<bool()> stop) { m_stop = std::move(stop); }

    /// errno of the last failed read.
    int errno_value() const { return m_errno; }

    /// Bytes of input consumed up to the end of the last line or piece handed
    /// out (its newline included): where reading would resume after it.
    uint64_t offset() const { return m_base + m_begin; }

    /// Counts offsets from offset instead of 0: the descriptor was positioned
    /// there (a resumed file). Call before the first next().
    void start_at(uint64_t offset) { m_base = offset; }

    /// The descriptor read, for polling with others.
    int fd() const { return m_fd; }

private:
    enum class Fill { data, eof, timeout, stop, error };
    Fill fill(int timeout_ms);

    int m_fd;
    std::size_t m_max_line;
    std::size_t m_block;
    std::vector<char> m_buf;
    uint64_t m_base = 0;      // input offset of m_buf[0]
    std::size_t m_begin = 0;  // first unconsumed byte
    std::size_t m_scan = 0;   // bytes before this hold no newline
    std::size_t m_end = 0;    // one past the last filled byte
    bool m_eof = false;
    bool m_in_long = false;  // inside an over-long line, discarding to its newline
    int m_errno = 0;
    std::function<void()> m_idle;
    std::function<bool()> m_stop;
};

}  // namespace ev
