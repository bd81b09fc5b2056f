// FilePosition: where reading a file stopped, and which file it was, so a
// stateful tool restarted on the same file resumes there and on another file
// (rotated, replaced, rewritten) starts from its beginning. A file is known
// by device, inode and a fingerprint of its first bytes (an inode number is
// reused once a file is deleted; a file rewritten in place keeps its inode).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.h"

namespace ev {

/// The bytes the fingerprint covers at most.
constexpr uint64_t k_fingerprint_bytes = 4096;

/// One file and the offset after the last line its reader's state covers.
struct FilePosition {
    std::string path;        ///< as given on the command line (for people; matching ignores it)
    uint64_t dev = 0;        ///< st_dev
    uint64_t ino = 0;        ///< st_ino
    uint64_t head_len = 0;   ///< bytes the fingerprint covers: min(size, k_fingerprint_bytes) when taken
    uint64_t head_hash = 0;  ///< id_hash64 of those bytes
    uint64_t offset = 0;     ///< bytes consumed: reading resumes here
};

/// Identifies the open regular file fd (pread: its offset is left alone);
/// an error for a pipe, a terminal or a failed read. path is only kept.
Result<FilePosition> identify_file(int fd, std::string_view path);

/// True when fd is the file saved describes: same device and inode, and its
/// first saved.head_len bytes hash the same (a file that grew still matches;
/// one truncated below head_len or rewritten does not), and it is at least
/// saved.offset bytes long.
bool same_file(int fd, const FilePosition& saved);

/// Appends positions as a canonical JSON array of objects
/// {"dev":N,"head_hash":"HEX","head_len":N,"ino":N,"offset":N,"path":S}.
void encode_file_positions(const std::vector<FilePosition>& positions, std::string& out);

/// Parses what encode_file_positions wrote; entries of another kind (a
/// Kafka partition's) are skipped. Any malformed file entry is an error.
Result<std::vector<FilePosition>> decode_file_positions(std::string_view json);

}  // namespace ev
