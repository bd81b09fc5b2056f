// Spool: lines a full destination could not take, kept on disk in order.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "core/result.h"
#include "route/line_queue.h"

namespace ev::route {

/// An anonymous file (unlinked once created) that takes lines while a
/// destination is full and gives them back, in order, when it has room.
class Spool {
public:
    /// The file is created in dir on first use.
    explicit Spool(std::string dir);
    ~Spool();
    Spool(const Spool&) = delete;
    Spool& operator=(const Spool&) = delete;

    /// Appends one line (a newline is added).
    Result<void> append(std::string_view line);
    /// Moves whole lines into queue, in order, while they fit.
    Result<void> replay_into(LineQueue& queue);
    /// Forgets every spooled line.
    void clear();
    /// True while lines wait on the spool.
    bool active() const { return m_lines > 0; }
    /// Lines waiting on the spool.
    uint64_t lines() const { return m_lines; }

private:
    Result<void> open();
    Result<void> flush();

    std::string m_dir;
    int m_fd = -1;
    std::string m_pending;  // appended, not yet written
    std::string m_read;     // read back; bytes from m_read_pos not yet replayed
    std::size_t m_read_pos = 0;
    uint64_t m_write_off = 0;  // file size written so far
    uint64_t m_read_off = 0;   // next byte to read back
    uint64_t m_lines = 0;
};

}  // namespace ev::route
