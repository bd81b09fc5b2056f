// The state file: every identity's state, saved atomically and loaded at
// start, so a restart neither forgets nor storms.
//
// Format (NDJSON), version 2: a header line
//   {"evstatus_state":2,"clock":"event","time":T,"count":N,"positions":[],"recent_ids":"HEX"}
// (positions: the input positions the state reflects, an array kept as it
// is read, empty for now; recent_ids, the replay window as RecentIds::encode
// writes it, only when it holds ids; files without it load with an empty
// window) then N lines, one per identity, sorted by subject and name:
//   {"subject":S,"name":N,"state":"ok","raw":"ok","since":T,"seen":T,"ttl":0,
//    "deadline":0,"soft":0,"flap":0,"flap_last":"ok","flapping":false,
//    "expired":false,"message":V,"tags":V}
// (message and tags, any JSON value, only when the identity has them).
// Version 1 (no positions, flap_last, message or tags) still loads: its
// flap history ends at the last result (flap_last = raw).
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/file_lock.h"
#include "core/recent_ids.h"
#include "core/result.h"
#include "status/config.h"
#include "status/table.h"

namespace ev::status {

/// One identity as read from a state file.
struct SavedIdentity {
    std::string subject;  ///< the identity's subject
    std::string name;     ///< the identity's name
    IdentityState state;  ///< its state as saved
    std::string message;  ///< the last message, canonical JSON; empty: none
    std::string tags;     ///< the last tags, canonical JSON; empty: none
};

/// A state file's contents.
struct Snapshot {
    ClockKind clock = ClockKind::wall;      ///< the clock of the run that saved it
    double time = 0;                        ///< that clock's time at the save
    std::vector<SavedIdentity> identities;  ///< sorted by subject and name
    std::string recent_ids;                 ///< the replay window, RecentIds::encode's text (checked)
    std::string positions = "[]";           ///< the input positions, canonical JSON array
    int version = 0;                        ///< the format version the file was written in
};

/// The format version encode_state writes.
constexpr int k_state_version = 2;

/// Appends the state file text for table, saved at time on clock, with the
/// replay window recent when given and the input positions (a JSON array).
void encode_state(const IdentityTable& table, ClockKind clock, double time, std::string& out,
                  const RecentIds* recent = nullptr, std::string_view positions = "[]");

/// Parses state file text; any deviation (truncation, a bad field, a wrong
/// count, a duplicate identity) is an error naming the line.
Result<Snapshot> decode_state(std::string_view text);

/// Reads and decodes path; nothing when the file does not exist (first run).
/// A symbolic link or another non-regular file is refused. The error says
/// "state file PATH ..." and why.
Result<std::optional<Snapshot>> load_state_file(const std::string& path);

/// The same for the readers of a saved state (show, check, forget), for whom
/// a missing file is an error: "state file PATH: No such file or directory".
Result<Snapshot> load_saved_state(const std::string& path);

/// Replaces path with bytes by atomic_write (a crash leaves the old or the
/// new file): a new file is 0600, an existing one keeps its mode and owner;
/// temporaries left by saves that were killed are removed first.
Result<void> save_state_file(const std::string& path, std::string_view bytes);

/// Locks the state file at path for one writer: an exclusive lock on
/// PATH.lock (created 0600 and kept), taken without waiting. A running
/// evstatus holds it for its whole run and `evstatus forget` for its edit,
/// so neither overwrites the other; held elsewhere, the error reads "state
/// file PATH is in use: PATH.lock is locked by another process". Nothing
/// when the lock file cannot be made (a missing or read-only directory):
/// the state file's own load or save then says what is wrong, as before.
Result<std::optional<FileLock>> lock_state_file(const std::string& path);

/// Puts the identities of snapshot into table, arming their deadlines; on
/// the wall clock a deadline before min_deadline_base + ttl is moved there,
/// so time spent stopped does not expire everything at once.
void restore(IdentityTable& table, const Snapshot& snapshot, std::optional<double> min_deadline_base);

}  // namespace ev::status
