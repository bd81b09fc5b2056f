// Spool: one destination's folder of segment files on disk, holding carbon
// plaintext lines that could not be delivered yet, in replay order.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.h"

namespace ev::graphite {

/// A segment found when the spool was opened.
struct SegmentInfo {
    uint64_t seq = 0;    ///< its sequence number
    uint64_t lines = 0;  ///< the lines its header announces
};

/// What the first line of a segment announces about the rest (the body).
struct SegmentHeader {
    uint64_t lines = 0;      ///< carbon lines in the body
    uint64_t bytes = 0;      ///< bytes of the body
    std::string md5;         ///< MD5 of the body, 32 lowercase hex digits
    std::size_t length = 0;  ///< bytes of the header line, its newline included
};

/// A locked folder of segments named by a 20-digit sequence number
/// ("04611686018427387904.seg"); replay goes in ascending order. A segment
/// is a header line (lines, bytes and MD5 of the rest) and complete carbon
/// lines, written with atomic_write (mode 0600), so it is whole or absent.
/// A segment that fails its check is never sent and never deleted: it is
/// renamed NAME.bad and reported.
class Spool {
public:
    /// Sequence number of the first segment of an empty spool.
    static constexpr uint64_t k_first = uint64_t{1} << 62;
    /// Gap left between segments, so data can be placed between two of them.
    static constexpr uint64_t k_stride = uint64_t{1} << 20;

    /// Opens (creating, mode 0700) dir, locks it against a second evgraphite,
    /// removes stale temporaries and lists the segments, setting aside (and
    /// telling report about) those whose header or size is wrong.
    static Result<std::unique_ptr<Spool>> open(const std::string& dir,
                                               const std::function<void(std::string_view)>& report);
    ~Spool();
    Spool(const Spool&) = delete;
    Spool& operator=(const Spool&) = delete;

    /// The good segments found by open(), ascending.
    const std::vector<SegmentInfo>& found() const { return m_found; }

    /// Writes a new segment seq holding data (complete lines), synced to disk.
    Result<void> write(uint64_t seq, std::string_view data);
    /// The same for data in pieces (each of complete lines), written as one
    /// segment without being copied together.
    Result<void> write(uint64_t seq, std::span<const std::string_view> pieces);

    /// Reads segment seq and checks it whole (header, size, checksum, every
    /// line); returns its lines. One that fails is set aside as NAME.bad and
    /// the error says why; one that cannot be read stays where it is.
    Result<std::string> read(uint64_t seq);

    /// Deletes segment seq (once its lines are delivered).
    void remove(uint64_t seq);

    /// Segments found bad or unreadable since open().
    uint64_t bad_segments() const { return m_bad; }

    /// The folder.
    const std::string& dir() const { return m_dir; }

private:
    Spool(std::string dir, int lock_fd) : m_dir(std::move(dir)), m_lock_fd(lock_fd) {}
    std::string path_of(uint64_t seq) const;
    std::string set_aside(uint64_t seq, std::string_view why);

    std::string m_dir;
    int m_lock_fd;
    std::vector<SegmentInfo> m_found;
    uint64_t m_bad = 0;
};

/// Parses a segment file name ("NNN...N.seg", 20 digits); 0 when it is not one.
uint64_t parse_segment_name(std::string_view name);

/// The header line of a segment whose body is body (complete carbon lines):
/// "# evgraphite spool segment 1 lines=N bytes=B md5=HEX\n".
std::string segment_header(std::string_view body);
/// The same for a body in pieces.
std::string segment_header(std::span<const std::string_view> body);

/// Parses the header line at the start of text; nothing when there is none.
std::optional<SegmentHeader> parse_segment_header(std::string_view text);

/// Checks a whole segment file's text against its header and checks every
/// line of the body; returns the body, or why the segment is bad.
Result<std::string_view> check_segment(std::string_view text);

}  // namespace ev::graphite
