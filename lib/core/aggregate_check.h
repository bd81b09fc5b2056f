// The aggregate Nagios check: many things' states as one plugin line,
// "LABEL: OK: n WARNING: n CRITICAL: n UNKNOWN: n|total= ok= warn= crit=
// unknown=", then the non-OK ones by state. One alert for N nodes: `evstatus
// check` formats the identities of a state file with it, `evrpc nagios` the
// replies of a fleet.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/result.h"
#include "core/state.h"

namespace ev {

/// A --warn-count / --crit-count threshold: a count or a percentage of the total.
struct Threshold {
    double value = 0;
    bool percent = false;
    /// True when count out of total reaches the threshold.
    bool reached(std::size_t count, std::size_t total) const;
};

/// Parses "N" or "N%" (N a non-negative number).
Result<Threshold> parse_threshold(std::string_view text);

/// One thing the check counts: a subject, what of it was checked (listed
/// as "SUBJECT (NAME)"; none: the subject alone), and its state.
struct CheckItem {
    std::string subject;
    std::optional<std::string> name;
    State state = State::unknown;
};

/// How the check is labelled and decided.
struct AggregateCheck {
    std::string label;              ///< in front of the line ("HTTP: OK: ..."); empty: no label
    std::optional<Threshold> warn;  ///< WARNING when this many are non-OK
    std::optional<Threshold> crit;  ///< CRITICAL when this many are non-OK
    std::size_t max_list = 0;       ///< names listed per state at most, then "... and N more"; 0: all
    std::string nothing_matched;    ///< when set and nothing was counted: "LABEL: UNKNOWN: this", exit 3
    bool verdict_first = false;     ///< with a threshold, the verdict word leads the first line
    std::vector<std::pair<std::string, std::string>> perfdata;  ///< more "key=value" after unknown=
};

/// The check's output lines and its exit code.
struct CheckOutput {
    std::string text;
    int code = 0;
};

/// Formats the check. The code: with a threshold, the threshold alone decides
/// over the non-OK count; otherwise 2 if any is critical, else the highest
/// code present; 3 when nothing was counted. Every subject, name and label is
/// escaped (core/escape.h), so the only '|' is the perfdata separator and
/// each line is the one it claims.
CheckOutput format_aggregate_check(const AggregateCheck& check, const std::vector<CheckItem>& items);

}  // namespace ev
