#include "core/self_status.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include <fmt/format.h>

#include "core/clock.h"
#include "core/host.h"
#include "core/id.h"
#include "core/json.h"

namespace ev {

namespace {
std::string g_subject;
bool g_subject_set = false;
}  // namespace

bool self_subject_set() {
    return g_subject_set;
}

const std::string& self_subject() {
    if (g_subject.empty()) {
        g_subject = host_fqdn();
    }
    return g_subject;
}

void set_self_subject(std::string subject) {
    g_subject_set = true;
    g_subject = std::move(subject);
}

std::string self_status_line(std::string_view tool, std::string_view part, State state, std::string_view message,
                             double ttl) {
    IdGenerator ids;
    Json event = Json::object();
    event.set("id", ids.next());
    event.set("time", wall_clock().now());
    event.set("type", "status");
    event.set("subject", self_subject());
    event.set("name", fmt::format("evkit.{}.{}", tool, part));
    event.set("state", std::string(state_name(state)));
    event.set("severity", severity_of(state));
    event.set("ttl", ttl);
    event.set("message", std::string(message));
    event.set("source", std::string(tool));
    return to_canonical(event);
}

std::string ReloadStatus::failed(std::string_view reason) {
    // Never empty: failing() is how the state is kept.
    m_reason = reason.empty() ? "reload failed" : std::string(reason);
    return repeat();
}

std::string ReloadStatus::succeeded() {
    if (m_reason.empty()) {
        return {};
    }
    m_reason.clear();
    return self_status_line(m_tool, "reload", State::ok, "reloaded", k_self_status_ttl);
}

std::string ReloadStatus::repeat() const {
    if (m_reason.empty()) {
        return {};
    }
    return self_status_line(m_tool, "reload", State::warning, m_reason, k_self_status_ttl);
}

void write_self_status(std::string_view line, const std::function<void(std::string_view)>& write_main) {
    if (!line.empty() && !write_routed_self_status(line)) {
        write_main(line);
    }
}

namespace {
int g_route_fd = -1;
}  // namespace

Result<void> route_self_status(const std::string& path) {
    int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
    if (fd < 0) {
        return make_error(fmt::format("--self-to {}: {}", path, std::strerror(errno)));
    }
    if (g_route_fd >= 0) {
        ::close(g_route_fd);
    }
    g_route_fd = fd;
    return {};
}

bool write_routed_self_status(std::string_view line) {
    if (g_route_fd < 0) {
        return false;
    }
    std::string bytes(line);
    bytes += '\n';
    // One write per line, so lines of several writers do not interleave; a
    // failure is not retried (stderr already said what the status says).
    (void)!::write(g_route_fd, bytes.data(), bytes.size());
    return true;
}

}  // namespace ev
