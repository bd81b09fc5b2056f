// Alert encoding: the alert events evstatus writes, in canonical form, with
// ids derived from their cause so a replay gives the same ids.
#pragma once

#include <string>
#include <string_view>

#include "core/json.h"
#include "status/engine.h"
#include "status/event.h"

namespace ev::status {

/// Builds the alert event for a decision, without its id. cause is the
/// triggering status (nullptr for expiry, which has none): its `id` becomes
/// `cause`, its `message` and `tags` are copied.
Json make_alert(const Decision& decision, const StatusEvent* cause);

/// Appends the id of the alert for decision (26 characters, no quotes):
/// derived (ev::derived_id) from the cause's `id`, or from cause_line (its
/// line) when it has none, its `time` (0 when it has none), "evstatus" and
/// the reason; an expiry, which has no cause, from the identity as
/// `["SUBJECT","NAME"]`, the deadline and "expired" (a cause with neither id
/// nor cause_line is known by its identity too). Never from the clock, so a
/// replay gives the same ids.
void append_alert_id(const Decision& decision, const StatusEvent* cause, std::string_view cause_line, std::string& out);

/// Appends the canonical encoding of alert (which has no `id`) with `id` id added.
void write_alert(const Json& alert, std::string_view id, std::string& out, std::string& scratch);

/// Appends exactly what write_alert(make_alert(decision, cause), id, ...)
/// does with the id of append_alert_id, without building the Json (the hot
/// path; tests hold the two equal). The entry must hold the cause's message
/// and tags, as Engine::apply leaves it.
void write_alert(const Decision& decision, const StatusEvent* cause, std::string& out, std::string& scratch,
                 std::string_view cause_line = {});

}  // namespace ev::status
