// Exit codes shared by every evkit tool; each man page documents them.
#pragma once

namespace ev::exit_code {

/// Success: the tool did its work (evfilter: at least one event matched).
constexpr int k_ok = 0;
/// Nothing matched, or a check failed, where a tool gives that meaning.
constexpr int k_no_match = 1;
/// Usage or configuration error: bad option, bad expression, bad rule file.
constexpr int k_usage = 2;
/// --strict was given and an input line was rejected.
constexpr int k_bad_input = 3;
/// An input or output file could not be opened, read or written.
constexpr int k_io = 4;

}  // namespace ev::exit_code
