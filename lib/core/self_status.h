// Self-status: the status events a tool writes about itself (docs/design.md):
// subject the host, name evkit.TOOL.PART, a ttl, so evstatus notices a
// problem, and its silence once the ttl runs out.
#pragma once

#include <functional>
#include <string>
#include <string_view>

#include "core/result.h"
#include "core/state.h"

namespace ev {

/// One self-status event of tool, as a line without its newline.
std::string self_status_line(std::string_view tool, std::string_view part, State state, std::string_view message,
                             double ttl);

/// The subject of the tool's own events: --self-subject, else the host's
/// name (host_fqdn).
const std::string& self_subject();
/// Sets it (--self-subject NAME, through add_stats_options).
void set_self_subject(std::string subject);
/// True once set_self_subject was called: a tool with a host name of its
/// own (evrpc agent's `host`) uses that unless --self-subject was given.
bool self_subject_set();

/// How long a self-status holds before evstatus calls it expired.
constexpr double k_self_status_ttl = 300;

/// The evkit.TOOL.reload self-status of a tool whose configuration SIGHUP
/// reloads: warning with the reason while the last reload failed (the old
/// configuration stays in force), ok once after the next good one.
class ReloadStatus {
public:
    explicit ReloadStatus(std::string tool) : m_tool(std::move(tool)) {}
    /// The warning line for a failed reload.
    std::string failed(std::string_view reason);
    /// The ok line after a good reload that ends a failure; empty otherwise.
    std::string succeeded();
    /// The warning again while the failure lasts (at a stats tick, so it
    /// holds past its ttl); empty when the last reload was good.
    std::string repeat() const;
    bool failing() const { return !m_reason.empty(); }

private:
    std::string m_tool;
    std::string m_reason;
};

/// Writes a self-status line to the --self-to file when there is one, else
/// through write_main (the tool's normal output). Empty lines are skipped.
void write_self_status(std::string_view line, const std::function<void(std::string_view)>& write_main);

/// --self-to FILE: from now on the process's self-status events are
/// appended to FILE (created 0644 if missing), each with one write, instead
/// of going to the tool's main output, which may be the topic that is down.
Result<void> route_self_status(const std::string& path);

/// Appends line to the --self-to file; false when there is none, and the
/// caller writes it to its main output.
bool write_routed_self_status(std::string_view line);

}  // namespace ev
