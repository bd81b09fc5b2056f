// The state file of `evbatch group --state FILE`: the groups (grouper_state.cpp)
// under a versioned header, and the clock they were kept on. See
// docs/decisions.md, "evbatch group state".
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "batch/grouper.h"
#include "core/file_lock.h"
#include "core/file_position.h"
#include "core/result.h"

namespace ev::batch {

/// The format version this build writes and reads.
inline constexpr int k_group_state_version = 1;

/// What a state file held besides the groups.
struct GroupStateInfo {
    bool loaded = false;  ///< false: there was no file (a first run)
    double now = 0;       ///< the run's time when it was saved (on event time, the latest event time)
    /// Where reading the input files stopped when the groups were saved
    /// (core/file_position.h); empty for stdin, and in files saved before
    /// positions were kept (those inputs are read from the beginning).
    std::vector<FilePosition> positions;
};

/// Locks FILE.lock (held for the run, like evstatus's state); a file locked
/// by another process is the error "FILE is in use: ...".
Result<FileLock> lock_group_state(const std::string& path);

/// Loads path into grouper; a missing file is a first run (loaded false).
/// Errors read "FILE: reason" (not JSON, another version, saved on the
/// other clock, a malformed group).
/// On the wall clock (not event_time) timers already passed are due at now.
Result<GroupStateInfo> load_group_state(const std::string& path, bool event_time, Grouper& grouper, double now = 0);

/// Parses state file contents (the loader behind load_group_state, and
/// what the fuzz target feeds); errors without the file name.
Result<GroupStateInfo> parse_group_state(std::string_view bytes, bool event_time, Grouper& grouper, double now = 0);

/// The file's contents for grouper at time now, covering the input up to positions.
std::string encode_group_state(const Grouper& grouper, bool event_time, double now,
                               const std::vector<FilePosition>& positions = {});

/// Replaces path with bytes atomically (core/atomic_file.h).
Result<void> save_group_state(const std::string& path, std::string_view bytes);

}  // namespace ev::batch
