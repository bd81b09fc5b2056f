// The journal of `evbatch each --journal FILE`: which inputs' actions
// finished (their results are durable) and which were started and not
// finished when evbatch died, so a restart runs no finished action again.
// See docs/decisions.md, "evbatch each's journal".
#pragma once

#include <cstddef>
#include <deque>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_set>
#include <vector>

#include "core/file_lock.h"
#include "core/result.h"

namespace ev::batch {

/// Finished inputs a journal remembers; older ones are forgotten (and would
/// run again if read again). About 30 bytes each on disk.
inline constexpr std::size_t k_journal_keep = 100000;

/// An append-only file of lines "S KEY" (started) and "F KEY" (finished),
/// KEY an action's result id. Started lines are synced before the actions
/// run, finished lines once their results are flushed; each call of sync()
/// is one fsync for all the lines since the last.
class Journal {
public:
    /// Locks FILE.lock, reads FILE (missing: empty), and rewrites it
    /// compacted (the last keep finished keys, then the interrupted ones).
    /// Errors read "FILE: reason"; a line that is not "S KEY" or "F KEY"
    /// (other than a torn last line, which a crash leaves) is one.
    static Result<Journal> open(const std::string& path, std::size_t keep = k_journal_keep);

    Journal(Journal&&) noexcept;
    Journal& operator=(Journal&&) noexcept;
    ~Journal();

    /// The input's action finished in an earlier run.
    bool finished(std::string_view key) const { return m_finished.count(std::string(key)) > 0; }
    /// The input's action was started in an earlier run and never finished.
    bool interrupted(std::string_view key) const { return m_interrupted.count(std::string(key)) > 0; }

    /// Appends "S KEY" (write only; sync() makes it durable).
    Result<void> started(std::string_view key);
    /// Appends "F KEY".
    Result<void> done(std::string_view key);
    /// fsyncs what was appended since the last sync; compacts when the file
    /// holds more than twice keep lines.
    Result<void> sync();

    /// The interrupted keys the journal holds (for tests).
    std::size_t interrupted_count() const { return m_interrupted.size(); }

private:
    Journal() = default;
    Result<void> append(char kind, std::string_view key);
    Result<void> compact();

    std::string m_path;
    std::size_t m_keep = k_journal_keep;
    std::optional<FileLock> m_lock;
    int m_fd = -1;
    bool m_dirty = false;
    std::size_t m_lines = 0;
    std::deque<std::string> m_order;  // finished keys, oldest first
    std::unordered_set<std::string> m_finished;
    std::unordered_set<std::string> m_interrupted;  // started in an earlier run, not finished
    std::unordered_set<std::string> m_running;      // started in this run, not finished
};

}  // namespace ev::batch
