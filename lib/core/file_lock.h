// An exclusive flock(2) on a lock file kept beside what it guards
// (PATH.lock): the file itself is replaced by rename (core/atomic_file.h), so
// a lock on it would guard an inode that is about to go.
#pragma once

#include <string>

#include "core/result.h"

namespace ev {

/// Held until destroyed (or the process dies: the kernel releases it).
class FileLock {
public:
    /// Opens (creating 0600, never following a symbolic link) lock_path and
    /// locks it. With wait it waits for the holder; without, a lock held
    /// elsewhere is the error "LOCK_PATH is locked by another process", and
    /// *busy (when given) tells that case from the others.
    static Result<FileLock> acquire(const std::string& lock_path, bool wait, bool* busy = nullptr);

    FileLock(FileLock&& other) noexcept;
    FileLock& operator=(FileLock&& other) noexcept;
    FileLock(const FileLock&) = delete;
    FileLock& operator=(const FileLock&) = delete;
    ~FileLock();

private:
    explicit FileLock(int fd) : m_fd(fd) {}
    int m_fd = -1;
};

}  // namespace ev
