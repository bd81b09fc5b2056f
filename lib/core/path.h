// Path: a field address inside an event, such as tags.role or data.list[0].to.
#pragma once

#include <simdjson.h>

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.h"

namespace ev {

/// One step of a path: an object key or an array index.
struct PathStep {
    enum class Kind { key, index };
    Kind kind = Kind::key;
    std::string key;
    std::size_t index = 0;

    bool operator==(const PathStep&) const = default;
};

/// A field address: `subject`, `tags.role`, `data.changes[0].to`, `tags["odd key"]`.
class Path {
public:
    Path() = default;
    explicit Path(std::vector<PathStep> steps) : m_steps(std::move(steps)) {}

    /// Parses the textual form; the error names the offending position.
    static Result<Path> parse(std::string_view text);

    /// The canonical textual form (keys that are not identifiers are quoted).
    std::string to_string() const;

    const std::vector<PathStep>& steps() const { return m_steps; }
    bool empty() const { return m_steps.empty(); }
    bool operator==(const Path&) const = default;

    /// The element at this path inside root, or nothing when any step is missing.
    std::optional<simdjson::dom::element> lookup(simdjson::dom::element root) const;

private:
    std::vector<PathStep> m_steps;
};

/// Index of the first target character at or after from that is not inside a
/// double-quoted key (tags["a=b"]; backslash escapes honoured), or npos.
std::size_t find_outside_quotes(std::string_view text, std::size_t from, char target);

/// True for a key that can be written bare in a path: [A-Za-z_][A-Za-z0-9_]*.
bool is_identifier(std::string_view key);

}  // namespace ev
