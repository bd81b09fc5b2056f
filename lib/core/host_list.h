// Host lists: the nodes or identities an operator expects, as a file or a
// pipe carries them: one subject per line, or NDJSON events whose `subject`
// (and optional `name`) give them. `evrpc --nodes` reads this format and
// `evstatus check --expect` is to read the same, so one list serves both.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.h"

namespace ev {

/// One expected subject, with the name an NDJSON event gave for it.
struct HostListEntry {
    std::string subject;
    std::optional<std::string> name;
};

/// Parses a host list. Blank lines and lines starting with '#' are skipped;
/// a line starting with '{' is a JSON object that must have a string
/// `subject` (a string `name` is kept); any other line, trimmed of spaces,
/// is a subject. An entry seen before is dropped, so the order is the first
/// appearance. The error reads "ORIGIN:LINE: why".
Result<std::vector<HostListEntry>> parse_host_list(std::string_view text, std::string_view origin);

/// Reads and parses a host list file ("-": stdin).
Result<std::vector<HostListEntry>> read_host_list(const std::string& path);

}  // namespace ev
