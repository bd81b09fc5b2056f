// Self-status: the status events a tool writes about itself (docs/design.md):
// subject the host, name evkit.TOOL.PART, a ttl, so evstatus notices a
// problem, and its silence once the ttl runs out.
#pragma once

#include <string>
#include <string_view>

#include "core/result.h"
#include "core/state.h"

namespace ev {

/// One self-status event of tool, as a line without its newline.
std::string self_status_line(std::string_view tool, std::string_view part, State state, std::string_view message,
                             double ttl);

/// How long a self-status holds before evstatus calls it expired.
constexpr double k_self_status_ttl = 300;

/// --self-to FILE: from now on the process's self-status events are
/// appended to FILE (created 0644 if missing), each with one write, instead
/// of going to the tool's main output, which may be the topic that is down.
Result<void> route_self_status(const std::string& path);

/// Appends line to the --self-to file; false when there is none, and the
/// caller writes it to its main output.
bool write_routed_self_status(std::string_view line);

}  // namespace ev
