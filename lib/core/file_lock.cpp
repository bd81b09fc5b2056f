#include "core/file_lock.h"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <utility>

#include <fmt/format.h>

#include "core/atomic_file.h"

namespace ev {

Result<FileLock> FileLock::acquire(const std::string& lock_path, bool wait, bool* busy) {
    if (busy != nullptr) {
        *busy = false;
    }
    int fd = ::open(lock_path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, k_private_file_mode);
    if (fd < 0) {
        return make_error(fmt::format("{}: {}", lock_path, std::strerror(errno)));
    }
    int how = LOCK_EX | (wait ? 0 : LOCK_NB);
    while (::flock(fd, how) != 0) {
        int saved = errno;
        if (saved == EINTR) {
            continue;
        }
        ::close(fd);
        if (saved == EWOULDBLOCK) {
            if (busy != nullptr) {
                *busy = true;
            }
            return make_error(fmt::format("{} is locked by another process", lock_path));
        }
        return make_error(fmt::format("{}: cannot lock: {}", lock_path, std::strerror(saved)));
    }
    return FileLock(fd);
}

FileLock::FileLock(FileLock&& other) noexcept : m_fd(std::exchange(other.m_fd, -1)) {}

FileLock& FileLock::operator=(FileLock&& other) noexcept {
    if (this != &other) {
        if (m_fd >= 0) {
            ::close(m_fd);
        }
        m_fd = std::exchange(other.m_fd, -1);
    }
    return *this;
}

FileLock::~FileLock() {
    if (m_fd >= 0) {
        ::close(m_fd);
    }
}

}  // namespace ev
