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

std::string self_status_line(std::string_view tool, std::string_view part, State state, std::string_view message,
                             double ttl) {
    static const std::string host = host_fqdn();
    IdGenerator ids;
    Json event = Json::object();
    event.set("id", ids.next());
    event.set("time", wall_clock().now());
    event.set("type", "status");
    event.set("subject", host);
    event.set("name", fmt::format("evkit.{}.{}", tool, part));
    event.set("state", std::string(state_name(state)));
    event.set("severity", severity_of(state));
    event.set("ttl", ttl);
    event.set("message", std::string(message));
    event.set("source", std::string(tool));
    return to_canonical(event);
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
