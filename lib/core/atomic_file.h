// Atomic file replacement: the one way evkit writes a file that must be
// whole or absent (state files, spool segments). See docs/decisions.md, "Files".
#pragma once

#include <sys/types.h>

#include <functional>
#include <span>
#include <string>
#include <string_view>

#include "core/result.h"

namespace ev {

/// Mode of a file atomic_write creates where none was: read and write for its owner only.
constexpr mode_t k_private_file_mode = 0600;

/// Replaces path with contents so that a crash leaves the old file or the new
/// one, never a torn one: writes a temporary in the same directory (created
/// with O_CREAT|O_EXCL|O_NOFOLLOW under an unpredictable name), gives it the
/// old file's permission bits and owner (as far as permitted) or, for a new
/// file, new_file_mode whatever the umask; fsyncs it, renames it over path
/// and fsyncs the directory. A path that is a symbolic link or not a regular
/// file is refused. On failure the temporary is removed; the error names path.
Result<void> atomic_write(const std::string& path, std::string_view contents,
                          mode_t new_file_mode = k_private_file_mode);

/// The same, for contents made of several pieces written one after another.
Result<void> atomic_write(const std::string& path, std::span<const std::string_view> pieces,
                          mode_t new_file_mode = k_private_file_mode);

/// The same, drawing temporary names (directory entries) from next_name, so
/// tests can plant files at the names it will try.
Result<void> atomic_write(const std::string& path, std::span<const std::string_view> pieces, mode_t new_file_mode,
                          const std::function<std::string()>& next_name);

/// The temporary name atomic_write uses next for a file named base:
/// ".BASE.tmp.PID.RANDOM" (base shortened to fit a directory entry).
std::string atomic_temp_name(std::string_view base);

/// True when name (a directory entry) has the form of an atomic_write temporary.
bool is_atomic_temp_name(std::string_view name);

/// Removes the temporaries of path (in its directory) left by processes that
/// died while writing it, such as a save cut short by kill -9; those of live
/// processes stay. Errors are ignored: the temporaries are only clutter.
void remove_stale_temps(const std::string& path);

}  // namespace ev
