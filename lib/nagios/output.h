// Plugin output: short text, long output and perfdata split the way Nagios
// core does it, and the exit status mapped to a state as Nagios 4 does.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "core/state.h"
#include "nagios/perfdata.h"

namespace ev::nagios {

/// A plugin's stdout taken apart.
struct PluginOutput {
    std::string text;         ///< first line before '|', trimmed
    std::string long_output;  ///< later lines up to the first one holding '|', trimmed
    Perfdata perfdata;        ///< items from the first line and from the perfdata lines
};

/// Splits output: the first line is text [| perfdata]; later lines are long
/// output until the first later line containing '|', whose part before '|'
/// still belongs to the long output and whose rest, with every following
/// line, is perfdata. Only the first '|' on a line splits it.
PluginOutput parse_output(std::string_view bytes);

/// How a plugin run ended.
struct RunEnd {
    enum class Kind { exited, signaled, timed_out, spawn_failed };
    Kind kind = Kind::exited;
    int exit_code = 0;   ///< exited: the code; spawn_failed: 126 or 127
    int signal = 0;      ///< signaled: the signal number
    double timeout = 0;  ///< timed_out: the limit in seconds
};

/// What a run means: state and message, the rest of the output parsed.
struct Verdict {
    State state = State::unknown;
    std::string message;  ///< valid UTF-8
    PluginOutput output;  ///< parsed stdout
    std::optional<int> exit_code;
    std::string replaced_text;  ///< the plugin's own text when Nagios replaces it
};

/// Maps an ended run and its captured stdout/stderr to a verdict: exit 0..3
/// are ok..unknown; other codes are critical with "(Return code of N is out
/// of bounds)" (plus the 126/127 hints); a signal is critical "(Service check
/// did not exit properly)"; a timeout gets timeout_state and "(Service check
/// timed out after S seconds)"; empty stdout reads "(No output returned from
/// plugin)" or "(No output on stdout) stderr: ...".
Verdict judge(const RunEnd& end, std::string_view out, std::string_view err, State timeout_state);

}  // namespace ev::nagios
