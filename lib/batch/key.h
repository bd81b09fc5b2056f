// GroupKey: what --by says a group is, either a list of fields or an expression.
#pragma once

#include <simdjson.h>

#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/clock.h"
#include "core/path.h"
#include "core/result.h"
#include "expr/expr.h"

namespace ev::batch {

/// Computes an event's group key.
class GroupKey {
public:
    /// Parses --by: comma-separated field paths ("name,state", "tags.dc,name")
    /// when every piece is a path, otherwise one expression.
    static Result<GroupKey> parse(std::string_view text, const Clock& clock);

    /// Writes the key into out (replacing it): field values joined by "/"
    /// (strings as they are, other values as canonical JSON, missing ones
    /// empty; the field `state` is always state, so a severity-only event
    /// groups with its state), or the expression's value (a string as it
    /// is, else canonical JSON).
    void build(simdjson::dom::element event, std::string_view state, std::string& out);

    /// True when --by was an expression rather than a field list.
    bool is_expression() const { return m_program != nullptr; }

private:
    std::vector<Path> m_fields;
    std::vector<bool> m_is_state;
    std::unique_ptr<expr::Program> m_program;
};

}  // namespace ev::batch
