// Spool: one destination's folder of segment files on disk, holding carbon
// plaintext lines that could not be delivered yet, in replay order.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.h"

namespace ev::graphite {

/// A locked folder of segments named by a 20-digit sequence number
/// ("04611686018427387904.seg"); replay goes in ascending order. A segment is
/// written to a ".tmp" file, synced and renamed, so it is whole or absent.
class Spool {
public:
    /// Sequence number of the first segment of an empty spool.
    static constexpr uint64_t k_first = uint64_t{1} << 62;
    /// Gap left between segments, so data can be placed between two of them.
    static constexpr uint64_t k_stride = uint64_t{1} << 20;

    /// Opens (creating) dir, locks it against a second evgraphite, removes
    /// stale .tmp files and lists the segments.
    static Result<std::unique_ptr<Spool>> open(const std::string& dir);
    ~Spool();
    Spool(const Spool&) = delete;
    Spool& operator=(const Spool&) = delete;

    /// The segments found by open(), ascending.
    const std::vector<uint64_t>& found() const { return m_found; }

    /// Writes a new segment seq holding data (complete lines), synced to disk.
    Result<void> write(uint64_t seq, std::string_view data);

    /// Reads segment seq; a trailing incomplete line is dropped.
    Result<std::string> read(uint64_t seq) const;

    /// Deletes segment seq (once its lines are delivered).
    void remove(uint64_t seq);

    /// The folder.
    const std::string& dir() const { return m_dir; }

private:
    Spool(std::string dir, int lock_fd) : m_dir(std::move(dir)), m_lock_fd(lock_fd) {}
    std::string path_of(uint64_t seq) const;

    std::string m_dir;
    int m_lock_fd;
    std::vector<uint64_t> m_found;
};

/// Parses a segment file name ("NNN...N.seg", 20 digits); 0 when it is not one.
uint64_t parse_segment_name(std::string_view name);

}  // namespace ev::graphite
