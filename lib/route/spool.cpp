#include "route/spool.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <vector>

#include <fmt/format.h>

namespace ev::route {

namespace {
constexpr std::size_t k_block = std::size_t{1} << 16;
}

Spool::Spool(std::string dir) : m_dir(std::move(dir)) {}

Spool::~Spool() {
    if (m_fd >= 0) {
        ::close(m_fd);
    }
}

Result<void> Spool::open() {
    std::string path = fmt::format("{}/evroute-spool.XXXXXX", m_dir);
    std::vector<char> buf(path.begin(), path.end());
    buf.push_back('\0');
    int fd = ::mkostemp(buf.data(), O_CLOEXEC);
    if (fd < 0) {
        return make_error(fmt::format("cannot create a spool file in {}: {}", m_dir, std::strerror(errno)));
    }
    ::unlink(buf.data());
    m_fd = fd;
    return {};
}

void Spool::clear() {
    m_pending.clear();
    m_read.clear();
    m_read_pos = 0;
    m_read_off = m_write_off = 0;
    m_lines = 0;
    if (m_fd >= 0) {
        (void)::ftruncate(m_fd, 0);
    }
}

Result<void> Spool::flush() {
    std::size_t done = 0;
    while (done < m_pending.size()) {
        ssize_t n =
            ::pwrite(m_fd, m_pending.data() + done, m_pending.size() - done, static_cast<off_t>(m_write_off + done));
        if (n < 0) {
            if (errno == EINTR) {
                continue;
            }
            return make_error(fmt::format("spool write failed: {}", std::strerror(errno)));
        }
        done += static_cast<std::size_t>(n);
    }
    m_write_off += m_pending.size();
    m_pending.clear();
    return {};
}

Result<void> Spool::append(std::string_view line) {
    if (m_fd < 0) {
        if (auto opened = open(); !opened) {
            return opened;
        }
    }
    m_pending.append(line);
    m_pending += '\n';
    ++m_lines;
    if (m_pending.size() >= k_block) {
        return flush();
    }
    return {};
}

Result<void> Spool::replay_into(LineQueue& queue) {
    while (m_lines > 0) {
        std::size_t nl = m_read.find('\n', m_read_pos);
        if (nl == std::string::npos) {
            m_read.erase(0, m_read_pos);
            m_read_pos = 0;
            if (m_read_off < m_write_off) {
                char buf[k_block];
                ssize_t n = ::pread(m_fd, buf, sizeof buf, static_cast<off_t>(m_read_off));
                if (n < 0) {
                    if (errno == EINTR) {
                        continue;
                    }
                    return make_error(fmt::format("spool read failed: {}", std::strerror(errno)));
                }
                m_read.append(buf, static_cast<std::size_t>(n));
                m_read_off += static_cast<uint64_t>(n);
                continue;
            }
            // Everything on disk is read back; the rest is still in memory.
            m_read += m_pending;
            m_pending.clear();
            m_read_off = m_write_off = 0;
            if (::ftruncate(m_fd, 0) != 0) {
                return make_error(fmt::format("spool truncate failed: {}", std::strerror(errno)));
            }
            continue;
        }
        if (!queue.fits(nl - m_read_pos)) {
            return {};
        }
        queue.push(std::string_view(m_read).substr(m_read_pos, nl - m_read_pos));
        m_read_pos = nl + 1;
        --m_lines;
    }
    m_read.clear();
    m_read_pos = 0;
    if (m_read_off >= m_write_off && m_write_off > 0 && m_pending.empty()) {
        m_read_off = m_write_off = 0;
        if (::ftruncate(m_fd, 0) != 0) {
            return make_error(fmt::format("spool truncate failed: {}", std::strerror(errno)));
        }
    }
    return {};
}

}  // namespace ev::route
