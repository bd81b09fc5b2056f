// Alert encoding: the alert events evstatus writes, in canonical form, with
// ids derived from their time and content so a replay gives equal bytes.
#pragma once

#include <string>

#include "core/json.h"
#include "status/engine.h"
#include "status/event.h"

namespace ev::status {

/// Builds the alert event for a decision, without its id. cause is the
/// triggering status (nullptr for expiry, which has none): its `id` becomes
/// `cause`, its `message` and `tags` are copied.
Json make_alert(const Decision& decision, const StatusEvent* cause);

/// Appends the canonical encoding of alert (which has no `id`) with an `id`
/// added: a ULID whose time part is the alert's `time` and whose random part
/// is seeded by a hash of the rest of the alert.
void write_alert(const Json& alert, double time, std::string& out, std::string& scratch);

/// Appends exactly what write_alert(make_alert(decision, cause), ...) does,
/// without building the Json (the hot path; tests hold the two equal).
void write_alert(const Decision& decision, const StatusEvent* cause, std::string& out, std::string& scratch);

}  // namespace ev::status
