#include "core/self_status.h"

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

}  // namespace ev
