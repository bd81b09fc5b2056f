// Config: the scheduler's check list, one check per line:
//   NAME INTERVAL [KEY=VALUE ...] [--] COMMAND [ARG ...]
// See evsrc-nagios(1) for the format.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/result.h"
#include "core/state.h"

namespace ev::nagios {

/// One check as the config file states it.
struct CheckDef {
    std::string name;
    double interval = 0;                 ///< seconds between runs while ok
    std::optional<double> timeout;       ///< seconds; default from the command line
    std::optional<double> retry;         ///< seconds between runs while not ok
    std::optional<double> ttl;           ///< seconds; default 2 * interval + timeout
    std::optional<std::string> subject;  ///< default: the host's FQDN
    std::vector<std::pair<std::string, std::string>> tags;
    std::optional<std::size_t> max_output;  ///< bytes
    std::optional<State> timeout_state;
    std::vector<std::string> argv;  ///< the command, never through a shell
    int line = 0;                   ///< where it was defined (not part of equality)

    /// True when both define the same check (the line may differ).
    bool same_as(const CheckDef& other) const;
};

/// A parsed config file.
struct Config {
    std::vector<CheckDef> checks;
};

/// Splits a line into words the way a shell would without expanding
/// anything: 'single' and "double" quotes, backslash escapes, # comments.
Result<std::vector<std::string>> split_words(std::string_view line);

/// Parses config text; errors read "FILE:LINE: message". With problems,
/// every bad line is appended there and skipped, and the good checks are
/// returned (for `check`, which reports them all); without, the first one
/// is the error.
Result<Config> parse_config(std::string_view text, std::string_view file, std::vector<std::string>* problems = nullptr);

/// Reads and parses a config file (problems as for parse_config).
Result<Config> load_config(const std::string& path, std::vector<std::string>* problems = nullptr);

}  // namespace ev::nagios
