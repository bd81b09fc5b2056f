// Writer: buffered output of NDJSON lines to a file descriptor.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

#include "core/result.h"
#include "core/sink.h"

namespace ev {

/// Buffers lines and writes them in large blocks; flush() pushes them out.
class Writer final : public Sink {
public:
    /// Writes to fd (not owned); blocks go out when the buffer passes high_water bytes.
    explicit Writer(int fd, std::size_t high_water = std::size_t{1} << 18);
    ~Writer() override;
    Writer(const Writer&) = delete;
    Writer& operator=(const Writer&) = delete;

    /// Writes bytes followed by "\n" (an unchanged event, byte for byte).
    void write_line(std::string_view bytes) override;

    /// The pending buffer, for encoders that append an event in place; call end_line() after.
    std::string& buffer() { return m_buf; }
    /// Ends a line appended through buffer().
    void end_line();

    /// Writes out everything buffered. Output is then in the kernel's hands.
    Result<void> flush() override;

    /// True once the reader of our output has gone (EPIPE): stop quietly.
    bool broken() const { return m_broken; }
    /// True once a write failed for another reason; error() says why.
    bool failed() const { return m_failed; }
    const std::string& error() const { return m_error; }

    /// Replaces the descriptor (for reopening files on SIGHUP); flushes first.
    Result<void> reset_fd(int fd);

private:
    int m_fd;
    std::size_t m_high_water;
    std::string m_buf;
    bool m_broken = false;
    bool m_failed = false;
    std::string m_error;
};

/// Opens path for appending (creating it 0644); the error names the path.
Result<int> open_append(const std::string& path);

}  // namespace ev
