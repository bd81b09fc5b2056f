// The one-shot modes of evsrc-nagios: `parse` (plugin output on stdin) and
// `once` (run one plugin).
#pragma once

#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "core/diag.h"
#include "core/result.h"
#include "core/sink.h"
#include "core/state.h"

namespace ev::nagios {

/// Options shared by `parse` and `once`.
struct OneShotOptions {
    std::string name;                ///< check name; once: default basename of the command
    std::string subject;             ///< default: the host's FQDN
    std::vector<std::string> tags;   ///< KEY=VALUE
    std::optional<double> ttl;       ///< seconds; once: default 2 * interval + timeout when --interval is given
    std::optional<double> interval;  ///< once: how often cron runs it, for the default ttl
    double timeout = 60;             ///< once: seconds before SIGTERM to the plugin's group
    double kill_grace = 2;           ///< once: seconds from SIGTERM to SIGKILL
    std::size_t max_output = 8192;
    State timeout_state = State::critical;
    bool metrics = true;
    int exit_code = 0;                 ///< parse: the plugin's exit code
    std::optional<double> time;        ///< parse: event time; default now
    double duration = 0;               ///< parse: data.duration
    std::vector<std::string> command;  ///< once: the plugin's argv
    bool exit_state = false;           ///< once: exit with the state's code (0..3), as the plugin would
    std::string plugin_dir;            ///< once: where a bare plugin name is found first
    std::string resource_path;         ///< once: the $USERn$ macros of the command
};

/// Splits the --tag KEY=VALUE list; an error names the bad one.
Result<std::vector<std::pair<std::string, std::string>>> parse_tags(const std::vector<std::string>& tags);

/// `parse`: reads plugin output from in_fd, writes the events to out; returns the exit code.
int run_parse(const OneShotOptions& options, int in_fd, Sink& out, Diagnostics& diag);

/// `once`: runs the command once, writes its events to out; returns the exit
/// code: 4 when the plugin could not be started at all, else 0, or with
/// exit_state the severity of its state (0..3).
int run_once(const OneShotOptions& options, Sink& out, Diagnostics& diag);

}  // namespace ev::nagios
