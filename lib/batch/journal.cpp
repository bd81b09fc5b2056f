#include "batch/journal.h"

#include <fcntl.h>
#include <unistd.h>

#include <fmt/format.h>

#include <cerrno>
#include <cstring>
#include <fstream>

#include "core/atomic_file.h"

namespace ev::batch {

Journal::Journal(Journal&& o) noexcept
    : m_path(std::move(o.m_path)),
      m_keep(o.m_keep),
      m_lock(std::move(o.m_lock)),
      m_fd(o.m_fd),
      m_dirty(o.m_dirty),
      m_lines(o.m_lines),
      m_order(std::move(o.m_order)),
      m_finished(std::move(o.m_finished)),
      m_interrupted(std::move(o.m_interrupted)),
      m_running(std::move(o.m_running)) {
    o.m_fd = -1;
}

Journal& Journal::operator=(Journal&& o) noexcept {
    if (this != &o) {
        if (m_fd >= 0) {
            ::close(m_fd);
        }
        m_path = std::move(o.m_path);
        m_keep = o.m_keep;
        m_lock = std::move(o.m_lock);
        m_fd = o.m_fd;
        m_dirty = o.m_dirty;
        m_lines = o.m_lines;
        m_order = std::move(o.m_order);
        m_finished = std::move(o.m_finished);
        m_interrupted = std::move(o.m_interrupted);
        m_running = std::move(o.m_running);
        o.m_fd = -1;
    }
    return *this;
}

Journal::~Journal() {
    if (m_fd >= 0) {
        (void)sync();
        ::close(m_fd);
    }
}

Result<Journal> Journal::open(const std::string& path, std::size_t keep) {
    Journal j;
    j.m_path = path;
    j.m_keep = keep == 0 ? 1 : keep;
    auto lock = FileLock::acquire(path + ".lock", false);
    if (!lock) {
        return make_error(fmt::format("{} is in use: {}", path, lock.error()));
    }
    j.m_lock.emplace(std::move(lock).value());
    remove_stale_temps(path);
    std::ifstream in(path, std::ios::binary);
    if (!in && errno != ENOENT) {
        return make_error(fmt::format("{}: {}", path, std::strerror(errno)));
    }
    std::string line;
    std::size_t number = 0;
    while (in && std::getline(in, line)) {
        ++number;
        bool torn = in.eof();  // no newline: a write cut short by a crash
        if (torn) {
            break;
        }
        if (line.size() < 3 || line[1] != ' ' || (line[0] != 'S' && line[0] != 'F') ||
            line.find_first_of(" \t\r", 2) != std::string::npos) {
            return make_error(fmt::format("{}:{}: not a journal line (\"S KEY\" or \"F KEY\")", path, number));
        }
        std::string key = line.substr(2);
        if (line[0] == 'S') {
            if (j.m_finished.count(key) == 0) {
                j.m_interrupted.insert(std::move(key));
            }
        } else {
            j.m_interrupted.erase(key);
            if (j.m_finished.insert(key).second) {
                j.m_order.push_back(std::move(key));
            }
        }
    }
    if (auto compacted = j.compact(); !compacted) {
        return make_error(compacted.error());
    }
    return j;
}

// Rewrites the file atomically: the newest keep finished keys, then the
// interrupted ones (which stay until their input is run again).
Result<void> Journal::compact() {
    while (m_order.size() > m_keep) {
        m_finished.erase(m_order.front());
        m_order.pop_front();
    }
    std::string bytes;
    for (const std::string& key : m_order) {
        bytes += "F ";
        bytes += key;
        bytes += '\n';
    }
    for (const auto* set : {&m_interrupted, &m_running}) {
        for (const std::string& key : *set) {
            bytes += "S ";
            bytes += key;
            bytes += '\n';
        }
    }
    if (m_fd >= 0) {
        ::close(m_fd);
        m_fd = -1;
    }
    if (auto written = atomic_write(m_path, bytes, k_private_file_mode); !written) {
        return make_error(fmt::format("cannot write journal {}", written.error()));
    }
    m_lines = m_order.size() + m_interrupted.size() + m_running.size();
    m_fd = ::open(m_path.c_str(), O_WRONLY | O_APPEND | O_CLOEXEC | O_NOFOLLOW);
    if (m_fd < 0) {
        return make_error(fmt::format("{}: {}", m_path, std::strerror(errno)));
    }
    m_dirty = false;
    return {};
}

Result<void> Journal::append(char kind, std::string_view key) {
    std::string line;
    line += kind;
    line += ' ';
    line += key;
    line += '\n';
    std::size_t off = 0;
    while (off < line.size()) {
        ssize_t n = ::write(m_fd, line.data() + off, line.size() - off);
        if (n < 0 && errno == EINTR) {
            continue;
        }
        if (n < 0) {
            return make_error(fmt::format("{}: {}", m_path, std::strerror(errno)));
        }
        off += static_cast<std::size_t>(n);
    }
    ++m_lines;
    m_dirty = true;
    return {};
}

Result<void> Journal::started(std::string_view key) {
    m_running.emplace(key);
    return append('S', key);
}

Result<void> Journal::done(std::string_view key) {
    std::string k(key);
    m_interrupted.erase(k);
    m_running.erase(k);
    if (m_finished.insert(k).second) {
        m_order.push_back(std::move(k));
    }
    return append('F', key);
}

Result<void> Journal::sync() {
    if (!m_dirty) {
        return {};
    }
    if (::fsync(m_fd) != 0) {
        return make_error(fmt::format("{}: fsync: {}", m_path, std::strerror(errno)));
    }
    m_dirty = false;
    if (m_lines > 2 * m_keep) {
        return compact();
    }
    return {};
}

}  // namespace ev::batch
