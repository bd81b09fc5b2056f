// The identities of a state file an expression selects, as the JSON rows
// `show`, `check`, `forget` and the expressions see them.
#pragma once

#include <string>
#include <vector>

#include "core/json.h"
#include "core/result.h"
#include "status/state_file.h"

namespace ev::status {

/// One identity of a state file as a JSON row: what EXPR sees and
/// `show --json` prints (time, subject, name, state, severity, ttl, since,
/// deadline, soft, flapping, expired, message, tags).
Json row_of(const SavedIdentity& id);

/// An identity EXPR selected, with its row.
struct Selected {
    const SavedIdentity* identity;
    std::string row;  ///< canonical JSON
};

/// The identities of snapshot for which expression is true (all when it is
/// empty), in the snapshot's order; an expression that does not compile is
/// an error.
Result<std::vector<Selected>> select(const Snapshot& snapshot, const std::string& expression);

/// Writes text to fd whole (errors are the caller's exit code's business).
void write_all(int fd, const std::string& text);

}  // namespace ev::status
