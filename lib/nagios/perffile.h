// Perfdata files written by Nagios or Icinga: the PNP4Nagios bulk template
// (tab-separated KEY::VALUE fields) and Nagios's default positional template.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/id.h"
#include "core/result.h"
#include "core/sink.h"
#include "core/state.h"

namespace ev::nagios {

/// One line of a perfdata file.
struct PerfLine {
    double time = 0;                                          ///< TIMET
    std::string host;                                         ///< HOSTNAME
    std::string service;                                      ///< SERVICEDESC; "host" for host perfdata
    std::string perfdata;                                     ///< SERVICEPERFDATA or HOSTPERFDATA
    std::string output;                                       ///< SERVICEOUTPUT/HOSTOUTPUT when the template has it
    std::optional<State> state;                               ///< SERVICESTATE/HOSTSTATE when the template has it
    std::vector<std::pair<std::string, std::string>> fields;  ///< every KEY::VALUE, in order (PNP form)
};

/// Parses one line in either format; the error says what is wrong.
Result<PerfLine> parse_perf_line(std::string_view line);

/// Maps OK/WARNING/CRITICAL/UNKNOWN, UP/DOWN/UNREACHABLE and 0..3 to a state.
std::optional<State> parse_nagios_state(std::string_view text, bool host);

/// Writes a status event (when the line has a state) and, when metrics is
/// true, one metric event per perfdata item. Returns the perfdata problems.
std::vector<std::string> write_perf_line_events(const PerfLine& line, bool metrics, IdGenerator& ids, Sink& out);

}  // namespace ev::nagios
