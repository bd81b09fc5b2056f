// Writer: buffered output of NDJSON lines to a file descriptor.
#pragma once

#include <cstddef>
#include <cstdint>
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
    std::string& buffer() override { return m_buf; }
    /// Ends a line appended through buffer().
    void end_line() override;

    /// Writes out everything buffered. Output is then in the kernel's hands
    /// (and on disk, with fsync_on_flush). Fails once output has ended.
    Result<void> flush() override;

    uint64_t ticket() const override { return m_lines; }
    uint64_t durable() const override { return m_durable; }
    bool ended() const override { return m_broken; }
    /// The same as ended(): the reader of our output has gone (EPIPE).
    bool broken() const { return m_broken; }
    bool failed() const override { return m_failed; }
    const std::string& error() const override { return m_error; }

    /// Makes every flush fsync the descriptor: for files where the tool
    /// promises durability.
    void set_fsync_on_flush(bool fsync) { m_fsync = fsync; }

    /// Replaces the descriptor (for reopening files on SIGHUP); flushes first.
    Result<void> reset_fd(int fd);

private:
    int m_fd;
    std::size_t m_high_water;
    std::string m_buf;
    uint64_t m_lines = 0;
    uint64_t m_durable = 0;
    bool m_broken = false;
    bool m_failed = false;
    bool m_fsync = false;
    std::string m_error;
};

/// Opens path for appending (creating it 0644, as `>>` would); the error
/// names the path. For output files the operator names.
Result<int> open_append(const std::string& path);

/// Opens path for appending, creating it 0600 and never through a symlink:
/// for files that hold event data the tool keeps aside (--rejects).
Result<int> open_private_append(const std::string& path);

}  // namespace ev
