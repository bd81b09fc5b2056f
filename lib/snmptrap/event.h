// Event: the JSON event of one trap, a status when a rule gives it a state,
// else an archive event named by the trap's name.
#pragma once

#include <string>

#include "core/id.h"
#include "snmptrap/rules.h"
#include "snmptrap/trap.h"

namespace ev::snmptrap {

/// Appends the canonical event line of trap (no newline) to out: subject is
/// the agent's name, time the moment of receipt.
void append_event(const Trap& trap, const std::string& subject, const RuleSet& rules, double time, IdGenerator& ids,
                  std::string& out);

/// Appends the canonical JSON of trap's data field (see trap_data) to out.
void append_data(const Trap& trap, std::string_view trap_name, std::string& out);

/// The JSON of trap's data field: version, community, pdu, trap OID and
/// name, uptime, request id, peer and the varbinds as {oid, name, type, value}.
Json trap_data(const Trap& trap);

}  // namespace ev::snmptrap
