#include "core/writer.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include <fmt/format.h>

namespace ev {

Writer::Writer(int fd, std::size_t high_water) : m_fd(fd), m_high_water(high_water) {
    m_buf.reserve(high_water + (std::size_t{1} << 16));
}

Writer::~Writer() {
    (void)flush();
}

void Writer::write_line(std::string_view bytes) {
    m_buf.append(bytes);
    end_line();
}

void Writer::end_line() {
    m_buf += '\n';
    ++m_lines;
    if (m_buf.size() >= m_high_water) {
        (void)flush();
    }
}

Result<void> Writer::flush() {
    if (m_broken || m_failed) {
        m_buf.clear();
        return make_error(m_failed ? m_error : std::string("output closed"));
    }
    std::size_t done = 0;
    while (done < m_buf.size()) {
        ssize_t n = ::write(m_fd, m_buf.data() + done, m_buf.size() - done);
        if (n >= 0) {
            done += static_cast<std::size_t>(n);
            continue;
        }
        if (errno == EINTR) {
            continue;
        }
        if (errno == EPIPE) {
            m_broken = true;
        } else {
            m_failed = true;
            m_error = fmt::format("write failed: {}", std::strerror(errno));
        }
        m_buf.clear();
        return make_error(m_failed ? m_error : std::string("output closed"));
    }
    m_buf.clear();
    if (m_fsync && ::fsync(m_fd) != 0 && errno != EINVAL && errno != EROFS) {
        m_failed = true;
        m_error = fmt::format("fsync failed: {}", std::strerror(errno));
        return make_error(m_error);
    }
    m_durable = m_lines;
    return {};
}

Result<void> Writer::reset_fd(int fd) {
    auto flushed = flush();
    m_fd = fd;
    return flushed;
}

Result<int> open_private_append(const std::string& path) {
    int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC | O_NOFOLLOW, 0600);
    if (fd < 0) {
        return make_error(fmt::format("{}: {}", path, errno == ELOOP ? "is a symbolic link" : std::strerror(errno)));
    }
    return fd;
}

Result<int> open_append(const std::string& path) {
    int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
    if (fd < 0) {
        return make_error(fmt::format("{}: {}", path, std::strerror(errno)));
    }
    return fd;
}

}  // namespace ev
