// `evstatus show` and `evstatus check`: read a state file and report the
// current states, as a table, as NDJSON, or as one Nagios-compatible check.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <vector>

#include "core/aggregate_check.h"
#include "core/diag.h"
#include "core/result.h"
#include "status/selection.h"

namespace ev::status {

/// Exit codes of `evstatus check`, the Nagios plugin codes.
namespace check_code {
constexpr int k_ok = 0;        ///< every selected identity is ok / every host checked in
constexpr int k_warning = 1;   ///< a warning is present, or --warn-count was reached
constexpr int k_critical = 2;  ///< a critical is present, or --crit-count was reached
constexpr int k_unknown = 3;   ///< an unknown is present, nothing was selected, or the state file is unusable
}  // namespace check_code

/// What `evstatus show` reads from its command line.
struct ShowOptions {
    std::string state_path;     ///< the state file to read
    std::string expression;     ///< empty: every identity
    std::string format;         ///< table, json or openmetrics; empty: table (json with --json)
    bool json = false;          ///< --json: the same as --format json
    std::string output;         ///< empty: standard output; else written atomically (core/atomic_file.h)
    std::string silences_path;  ///< empty: none; else identities a silence covers are marked
};

/// What `evstatus check` reads from its command line.
struct CheckOptions {
    std::string state_path;         ///< the state file to read
    std::string expression;         ///< empty: every identity
    std::string name = "EVSTATUS";  ///< the label in front of the first line
    std::string max_age;            ///< a duration: report hosts not refreshed within it
    std::string warn_count;         ///< N or N%: WARNING at or above this many
    std::string crit_count;         ///< N or N%: CRITICAL at or above this many
    std::string now;                ///< the time to measure ages against (epoch seconds or RFC 3339); empty: none
    std::size_t max_list = 20;      ///< subjects listed per state at most, then "... and N more"; 0: all
    std::string expect_path;        ///< a host list (core/host_list.h) of identities that must be there
};

/// What `evstatus forget` reads from its command line.
struct ForgetOptions {
    std::string state_path;  ///< the state file to change
    std::string expression;  ///< the identities to drop (required)
};

/// The thresholds of the aggregate check (core/aggregate_check.h).
using ev::parse_threshold;
using ev::Threshold;

/// Prints the states of the state file (the table escapes subjects and
/// names, see core/escape.h; --json rows are JSON; openmetrics is the
/// Prometheus text format 0.0.4); returns 0, 1 when nothing was selected,
/// 2 when the state file, the silences or the expression is bad, or 4 when
/// --output could not be written.
int show(const ShowOptions& options, int out_fd, Diagnostics& diag);

/// Drops the identities EXPR selects from the state file, replacing it
/// atomically under the lock a running evstatus holds (state_file.h), and
/// prints how many went; returns 0, 1 when nothing was selected (the file
/// is left alone), 2 when the file is bad or in use, or 4 when it could not
/// be written.
int forget(const ForgetOptions& options, int out_fd, Diagnostics& diag);

/// Prints one Nagios check over the selected identities (and the --expect
/// identities never seen, as UNKNOWN); returns its code.
/// Every value from the state file or the command line is escaped, so the
/// only '|' is the perfdata separator and each line is the one it claims.
int check(const CheckOptions& options, int out_fd, Diagnostics& diag);

/// The table `show` prints: a header, then one row per selected identity
/// (SUBJECT NAME STATE SINCE LAST-SEEN FLAGS MESSAGE), aligned, every value
/// escaped; silenced (when given) marks rows a silence covers.
std::string table_of(const std::vector<Selected>& selected, const std::vector<bool>* silenced);

/// For each selected identity, whether a silence of the file at path covers
/// it, at the snapshot's time when it was saved on event time, else now.
Result<std::vector<bool>> silenced_marks(const std::string& path, const Snapshot& snapshot,
                                         const std::vector<Selected>& selected);

/// Formats epoch seconds as UTC "YYYY-MM-DDTHH:MM:SSZ" (fraction dropped).
std::string format_utc(double seconds);

}  // namespace ev::status
