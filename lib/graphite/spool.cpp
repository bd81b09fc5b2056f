#include "graphite/spool.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <fmt/format.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

namespace ev::graphite {

namespace {

Result<void> make_dirs(const std::string& dir) {
    std::size_t pos = 0;
    while (pos != std::string::npos) {
        pos = dir.find('/', pos + 1);
        std::string part = dir.substr(0, pos);
        if (part.empty()) {
            continue;
        }
        if (::mkdir(part.c_str(), 0750) != 0 && errno != EEXIST) {
            return make_error(fmt::format("cannot create {}: {}", part, std::strerror(errno)));
        }
    }
    return {};
}

bool write_all(int fd, std::string_view data) {
    while (!data.empty()) {
        ssize_t n = ::write(fd, data.data(), data.size());
        if (n < 0) {
            if (errno == EINTR) {
                continue;
            }
            return false;
        }
        data.remove_prefix(static_cast<std::size_t>(n));
    }
    return true;
}

}  // namespace

uint64_t parse_segment_name(std::string_view name) {
    if (name.size() != 24 || name.substr(20) != ".seg") {
        return 0;
    }
    uint64_t value = 0;
    for (std::size_t i = 0; i < 20; ++i) {
        char c = name[i];
        if (c < '0' || c > '9') {
            return 0;
        }
        uint64_t digit = static_cast<uint64_t>(c - '0');
        if (value > (UINT64_MAX - digit) / 10) {
            return 0;
        }
        value = value * 10 + digit;
    }
    return value;
}

Result<std::unique_ptr<Spool>> Spool::open(const std::string& dir) {
    if (auto made = make_dirs(dir); !made) {
        return std::move(made).take_error();
    }
    std::string lock_path = dir + "/lock";
    int fd = ::open(lock_path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0640);
    if (fd < 0) {
        return make_error(fmt::format("cannot open {}: {}", lock_path, std::strerror(errno)));
    }
    if (::flock(fd, LOCK_EX | LOCK_NB) != 0) {
        ::close(fd);
        return make_error(fmt::format("spool {} is in use by another process", dir));
    }
    std::unique_ptr<Spool> spool(new Spool(dir, fd));
    DIR* d = ::opendir(dir.c_str());
    if (d == nullptr) {
        return make_error(fmt::format("cannot read {}: {}", dir, std::strerror(errno)));
    }
    while (dirent* entry = ::readdir(d)) {
        std::string_view name = entry->d_name;
        if (name.size() > 4 && name.substr(name.size() - 4) == ".tmp") {
            // A segment whose write never finished: its lines are still in
            // the memory of the process that died, or were never accepted.
            ::unlink((dir + "/" + std::string(name)).c_str());
        } else if (uint64_t seq = parse_segment_name(name); seq != 0) {
            spool->m_found.push_back(seq);
        }
    }
    ::closedir(d);
    std::sort(spool->m_found.begin(), spool->m_found.end());
    return spool;
}

Spool::~Spool() {
    if (m_lock_fd >= 0) {
        ::close(m_lock_fd);
    }
}

std::string Spool::path_of(uint64_t seq) const {
    return fmt::format("{}/{:020}.seg", m_dir, seq);
}

Result<void> Spool::write(uint64_t seq, std::string_view data) {
    std::string path = path_of(seq);
    std::string tmp = path + ".tmp";
    int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0640);
    if (fd < 0) {
        return make_error(fmt::format("cannot create {}: {}", tmp, std::strerror(errno)));
    }
    bool ok = write_all(fd, data) && ::fsync(fd) == 0;
    int saved = errno;
    ::close(fd);
    if (!ok || ::rename(tmp.c_str(), path.c_str()) != 0) {
        saved = ok ? errno : saved;
        ::unlink(tmp.c_str());
        return make_error(fmt::format("cannot write {}: {}", path, std::strerror(saved)));
    }
    int dir_fd = ::open(m_dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dir_fd >= 0) {
        (void)::fsync(dir_fd);
        ::close(dir_fd);
    }
    return {};
}

Result<std::string> Spool::read(uint64_t seq) const {
    std::string path = path_of(seq);
    int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        return make_error(fmt::format("cannot open {}: {}", path, std::strerror(errno)));
    }
    std::string data;
    char buf[1 << 16];
    for (;;) {
        ssize_t n = ::read(fd, buf, sizeof buf);
        if (n < 0 && errno == EINTR) {
            continue;
        }
        if (n < 0) {
            int saved = errno;
            ::close(fd);
            return make_error(fmt::format("cannot read {}: {}", path, std::strerror(saved)));
        }
        if (n == 0) {
            break;
        }
        data.append(buf, static_cast<std::size_t>(n));
    }
    ::close(fd);
    std::size_t last = data.rfind('\n');
    data.resize(last == std::string::npos ? 0 : last + 1);
    return data;
}

void Spool::remove(uint64_t seq) {
    ::unlink(path_of(seq).c_str());
}

}  // namespace ev::graphite
