#include "core/atomic_file.h"

#include <dirent.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <unistd.h>

#include <fmt/format.h>

#include <array>
#include <cerrno>
#include <charconv>
#include <chrono>
#include <cstring>

namespace ev {

namespace {

constexpr std::string_view k_tmp_marker = ".tmp.";
constexpr std::string_view k_alphabet = "0123456789abcdefghjkmnpqrstvwxyz";
constexpr std::size_t k_random_chars = 12;
// Room for ".", ".tmp.", a PID and the random part within NAME_MAX (255).
constexpr std::size_t k_max_base = 200;
constexpr int k_name_attempts = 100;

struct Split {
    std::string dir;
    std::string base;
};

Split split_path(const std::string& path) {
    std::size_t slash = path.rfind('/');
    if (slash == std::string::npos) {
        return {".", path};
    }
    return {slash == 0 ? "/" : path.substr(0, slash), path.substr(slash + 1)};
}

std::string_view short_base(std::string_view base) {
    return base.substr(0, std::min(base.size(), k_max_base));
}

uint64_t random_bits() {
    uint64_t bits = 0;
    if (::getrandom(&bits, sizeof bits, GRND_NONBLOCK) == static_cast<ssize_t>(sizeof bits)) {
        return bits;
    }
    // No entropy yet (early boot): the name only needs to be hard to guess
    // ahead of time; O_EXCL keeps a planted file from being used in any case.
    static uint64_t counter = 0;
    auto now = static_cast<uint64_t>(std::chrono::steady_clock::now().time_since_epoch().count());
    return (now * 0x9e3779b97f4a7c15ULL) ^ (++counter << 32) ^ static_cast<uint64_t>(::getpid());
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

// The permission bits for the replacement of old: its own, except that when
// the group could not be kept, group members get what others get (the new
// group is not the one the bits were meant for).
mode_t inherited_mode(const struct stat& old, gid_t new_gid) {
    mode_t mode = old.st_mode & 0777;
    if (new_gid != old.st_gid) {
        mode = (mode & ~mode_t{070}) | ((mode & 07) << 3);
    }
    return mode;
}

// Closes the descriptors and removes the temporary unless it was renamed.
class Temporary {
public:
    explicit Temporary(int dir_fd) : m_dir_fd(dir_fd) {}
    ~Temporary() {
        if (m_fd >= 0) {
            ::close(m_fd);
        }
        if (!m_name.empty()) {
            ::unlinkat(m_dir_fd, m_name.c_str(), 0);
        }
        ::close(m_dir_fd);
    }
    Temporary(const Temporary&) = delete;
    Temporary& operator=(const Temporary&) = delete;

    int m_dir_fd;
    int m_fd = -1;
    std::string m_name;  // set while the temporary exists under this name
};

}  // namespace

std::string atomic_temp_name(std::string_view base) {
    std::string name = fmt::format(".{}{}{}.", short_base(base), k_tmp_marker, ::getpid());
    uint64_t bits = random_bits();
    for (std::size_t i = 0; i < k_random_chars; ++i) {
        name += k_alphabet[bits & 31];
        bits >>= 5;
    }
    return name;
}

bool is_atomic_temp_name(std::string_view name) {
    // .BASE.tmp.PID.RANDOM
    if (name.size() < 1 + k_tmp_marker.size() + 2 + k_random_chars || name[0] != '.') {
        return false;
    }
    std::string_view random = name.substr(name.size() - k_random_chars);
    if (random.find_first_not_of(k_alphabet) != std::string_view::npos) {
        return false;
    }
    std::string_view rest = name.substr(0, name.size() - k_random_chars);
    if (rest.back() != '.') {
        return false;
    }
    rest.remove_suffix(1);
    std::size_t marker = rest.rfind(k_tmp_marker);
    if (marker == std::string_view::npos || marker == 0) {
        return false;
    }
    std::string_view pid = rest.substr(marker + k_tmp_marker.size());
    return !pid.empty() && pid.find_first_not_of("0123456789") == std::string_view::npos;
}

Result<void> atomic_write(const std::string& path, std::string_view contents, mode_t new_file_mode) {
    std::string_view pieces[] = {contents};
    return atomic_write(path, std::span<const std::string_view>(pieces), new_file_mode);
}

Result<void> atomic_write(const std::string& path, std::span<const std::string_view> pieces, mode_t new_file_mode) {
    return atomic_write(path, pieces, new_file_mode, [&path] { return atomic_temp_name(split_path(path).base); });
}

Result<void> atomic_write(const std::string& path, std::span<const std::string_view> pieces, mode_t new_file_mode,
                          const std::function<std::string()>& next_name) {
    auto fail = [&path](std::string_view what, int error) {
        return make_error(fmt::format("{}: {}: {}", path, what, std::strerror(error)));
    };
    Split where = split_path(path);
    if (where.base.empty() || where.base == "." || where.base == "..") {
        return make_error(fmt::format("{}: not a file name", path));
    }
    // Everything happens relative to the directory opened once, so a
    // directory renamed meanwhile cannot split the temporary from its target.
    int dir_fd = ::open(where.dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dir_fd < 0) {
        return fail(fmt::format("cannot open the directory {}", where.dir), errno);
    }
    Temporary tmp(dir_fd);
    struct stat old {};
    bool exists = false;
    if (::fstatat(dir_fd, where.base.c_str(), &old, AT_SYMLINK_NOFOLLOW) == 0) {
        if (S_ISLNK(old.st_mode)) {
            return make_error(
                fmt::format("{}: is a symbolic link; not replaced (give the path of the file itself)", path));
        }
        if (!S_ISREG(old.st_mode)) {
            return make_error(fmt::format("{}: is not a regular file; not replaced", path));
        }
        exists = true;
    } else if (errno != ENOENT) {
        return fail("cannot look at it", errno);
    }
    for (int attempt = 0; attempt < k_name_attempts && tmp.m_fd < 0; ++attempt) {
        std::string name = next_name();
        // O_EXCL: never open what is already there, a planted symlink included.
        int fd = ::openat(dir_fd, name.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
        if (fd >= 0) {
            tmp.m_fd = fd;
            tmp.m_name = std::move(name);
        } else if (errno != EEXIST) {
            return fail(fmt::format("cannot create a temporary file in {}", where.dir), errno);
        }
    }
    if (tmp.m_fd < 0) {
        return make_error(
            fmt::format("{}: cannot create a temporary file in {}: every name tried exists", path, where.dir));
    }
    mode_t mode = new_file_mode & 0777;
    if (exists) {
        if (::fchown(tmp.m_fd, old.st_uid, old.st_gid) != 0) {
            // Not root: keeping the group is still allowed to its members.
            (void)::fchown(tmp.m_fd, static_cast<uid_t>(-1), old.st_gid);
        }
        struct stat now {};
        if (::fstat(tmp.m_fd, &now) != 0) {
            return fail("fstat", errno);
        }
        mode = inherited_mode(old, now.st_gid);
    }
    // fchmod, not the open mode: the umask must not decide who may read it.
    if (::fchmod(tmp.m_fd, mode) != 0) {
        return fail("fchmod", errno);
    }
    for (std::string_view piece : pieces) {
        if (!write_all(tmp.m_fd, piece)) {
            return fail("write", errno);
        }
    }
    if (::fsync(tmp.m_fd) != 0) {
        return fail("fsync", errno);
    }
    int fd = tmp.m_fd;
    tmp.m_fd = -1;
    if (::close(fd) != 0) {
        return fail("close", errno);
    }
    if (::renameat(dir_fd, tmp.m_name.c_str(), dir_fd, where.base.c_str()) != 0) {
        return fail("rename", errno);
    }
    tmp.m_name.clear();
    // The rename is durable only once the directory is. Some file systems
    // cannot sync a directory (EINVAL): there is nothing more to do there.
    if (::fsync(dir_fd) != 0 && errno != EINVAL) {
        return fail(fmt::format("replaced, but syncing the directory {} failed", where.dir), errno);
    }
    return {};
}

void remove_stale_temps(const std::string& path) {
    Split where = split_path(path);
    std::string prefix = fmt::format(".{}{}", short_base(where.base), k_tmp_marker);
    int dir_fd = ::open(where.dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dir_fd < 0) {
        return;
    }
    DIR* d = ::fdopendir(dir_fd);
    if (d == nullptr) {
        ::close(dir_fd);
        return;
    }
    while (dirent* entry = ::readdir(d)) {
        std::string_view name = entry->d_name;
        if (name.substr(0, prefix.size()) != prefix || !is_atomic_temp_name(name)) {
            continue;
        }
        std::string_view digits = name.substr(prefix.size(), name.size() - prefix.size() - k_random_chars - 1);
        pid_t pid = 0;
        auto [end, error] = std::from_chars(digits.data(), digits.data() + digits.size(), pid);
        if (error != std::errc{} || end != digits.data() + digits.size() || pid <= 0 || pid == ::getpid()) {
            continue;
        }
        // Only a process known to be gone: EPERM means it lives under another user.
        if (::kill(pid, 0) != 0 && errno == ESRCH) {
            (void)::unlinkat(dir_fd, entry->d_name, 0);
        }
    }
    ::closedir(d);
}

}  // namespace ev
