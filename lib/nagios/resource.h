// Resource: Nagios's resource file ($USERn$=value lines) and the $USERn$
// macros it defines for the check list's commands. See evsrc-nagios(1),
// RESOURCE FILE.
#pragma once

#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.h"
#include "nagios/config.h"

namespace ev::nagios {

/// The highest n of a $USERn$ macro, as in Nagios (MAX_USER_MACROS).
constexpr int k_max_user_macro = 256;

/// The $USERn$ macros of a resource file, by n.
struct Resources {
    std::string file;  ///< where they came from (empty: no resource file)
    std::map<int, std::string> user;
};

/// Parses resource file text: blank lines and lines starting with '#' are
/// skipped; every other line is $USERn$=VALUE (n 1..256, white space
/// around the line, the name and the value trimmed, one pair of matching
/// quotes around the value removed). Each bad line is appended to problems
/// as "FILE:LINE: message"; the good ones are kept (a later definition wins).
Resources parse_resources(std::string_view text, std::string_view file, std::vector<std::string>& problems);

/// Reads and parses a resource file; a file that cannot be read is a problem too.
Resources load_resources(const std::string& path, std::vector<std::string>& problems);

/// Replaces every $USERn$ in the check's argv with its value from resources
/// (a value is one word: it is never split). A $USERn$ that is not defined
/// is an error naming the check; every other '$' stays as it is.
Result<void> expand_user_macros(CheckDef& check, const Resources& resources);

}  // namespace ev::nagios
