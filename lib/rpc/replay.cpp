#include "rpc/replay.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>

#include <fmt/format.h>

#include "core/atomic_file.h"
#include "core/text.h"
#include "rpc/facts.h"

namespace ev::rpc {

ReplayCache::ReplayCache(ReplayCache&& other) noexcept
    : m_path(std::move(other.m_path)), m_fd(other.m_fd), m_ids(std::move(other.m_ids)) {
    other.m_fd = -1;
}

ReplayCache& ReplayCache::operator=(ReplayCache&& other) noexcept {
    if (this != &other) {
        if (m_fd >= 0) {
            ::close(m_fd);
        }
        m_path = std::move(other.m_path);
        m_fd = other.m_fd;
        m_ids = std::move(other.m_ids);
        other.m_fd = -1;
    }
    return *this;
}

ReplayCache::~ReplayCache() {
    if (m_fd >= 0) {
        ::close(m_fd);
    }
}

Result<ReplayCache> ReplayCache::open(const std::string& path, double now) {
    ReplayCache cache;
    cache.m_path = path;
    if (path.empty()) {
        return cache;
    }
    bool exists = ::access(path.c_str(), F_OK) == 0;
    auto text = exists ? read_text_file_at_most(path, std::size_t{1} << 30) : Result<std::string>(std::string());
    if (!text) {
        return std::move(text).take_error();
    }
    {
        std::string_view rest(*text);
        while (!rest.empty()) {
            std::size_t nl = rest.find('\n');
            if (nl == std::string_view::npos) {
                break;  // a torn last line
            }
            std::string_view line = rest.substr(0, nl);
            rest = rest.substr(nl + 1);
            std::size_t sp = line.find(' ');
            if (sp == 0 || sp == std::string_view::npos) {
                continue;
            }
            std::string when(line.substr(sp + 1));
            char* end = nullptr;
            double expires = std::strtod(when.c_str(), &end);
            if (end == when.c_str() || *end != '\0' || expires <= now) {
                continue;
            }
            double& held = cache.m_ids[std::string(line.substr(0, sp))];
            held = std::max(held, expires);
        }
    }
    remove_stale_temps(path);
    if (auto r = cache.rewrite(now); !r) {
        return std::move(r).take_error();
    }
    return cache;
}

bool ReplayCache::seen(std::string_view id, double now) const {
    auto found = m_ids.find(std::string(id));
    return found != m_ids.end() && found->second > now;
}

Result<void> ReplayCache::rewrite(double now) {
    std::string text;
    for (auto it = m_ids.begin(); it != m_ids.end();) {
        if (it->second <= now) {
            it = m_ids.erase(it);
            continue;
        }
        text += fmt::format("{} {:.3f}\n", it->first, it->second);
        ++it;
    }
    m_expired_hint = 0;
    if (m_path.empty()) {
        return {};
    }
    if (auto r = atomic_write(m_path, text); !r) {
        return r;
    }
    if (m_fd >= 0) {
        ::close(m_fd);
    }
    m_fd = ::open(m_path.c_str(), O_WRONLY | O_APPEND | O_CLOEXEC | O_NOFOLLOW);
    if (m_fd < 0) {
        return make_error(fmt::format("{}: {}", m_path, std::strerror(errno)));
    }
    return {};
}

Result<void> ReplayCache::add(std::string_view id, double expires, double now) {
    m_ids[std::string(id)] = expires;
    if (m_path.empty()) {
        if (++m_expired_hint > 4096 && m_expired_hint > m_ids.size() / 2) {
            return rewrite(now);
        }
        return {};
    }
    std::string line = fmt::format("{} {:.3f}\n", id, expires);
    if (::write(m_fd, line.data(), line.size()) != static_cast<ssize_t>(line.size()) || ::fdatasync(m_fd) != 0) {
        return make_error(fmt::format("{}: {}", m_path, std::strerror(errno)));
    }
    // Appends grow the file; rewrite it once it holds more lines than live ids.
    if (++m_expired_hint > 1024 && m_expired_hint > m_ids.size()) {
        return rewrite(now);
    }
    return {};
}

}  // namespace ev::rpc
