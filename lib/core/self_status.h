// Self-status: the status events a tool writes about itself (docs/design.md):
// subject the host, name evkit.TOOL.PART, a ttl, so evstatus notices a
// problem, and its silence once the ttl runs out.
#pragma once

#include <string>
#include <string_view>

#include "core/state.h"

namespace ev {

/// One self-status event of tool, as a line without its newline.
std::string self_status_line(std::string_view tool, std::string_view part, State state, std::string_view message,
                             double ttl);

/// How long a self-status holds before evstatus calls it expired.
constexpr double k_self_status_ttl = 300;

}  // namespace ev
