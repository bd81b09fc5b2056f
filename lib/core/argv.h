// Argv rules: what data from events may put into the argv of a command a
// tool starts. Every tool that fills an argv element from event data
// (evbatch each, later evrpc) checks it here, so the rule is one rule.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

#include "core/result.h"

namespace ev {

/// Checks a value that event data put at the very start of an argv element:
/// one that begins with '-' would be read as an option of the command
/// (`-oProxyCommand=...`, `--output=FILE`, `-9`), so it is refused; the
/// error quotes a short, escaped prefix of the value.
Result<void> check_argv_value(std::string_view value);

/// Checks a value that event data put anywhere in an argv element: a NUL
/// byte would silently end the element there, so it is refused.
Result<void> check_argv_bytes(std::string_view value);

/// A value as a JSON string literal, cut to at most max_bytes bytes of the
/// value (at a character boundary, then "..."), safe to print in a message.
std::string quote_prefix(std::string_view value, std::size_t max_bytes = 40);

}  // namespace ev
