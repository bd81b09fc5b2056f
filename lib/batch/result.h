// Result events: one `status` event per finished command, ready for evstatus.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "core/child_set.h"
#include "core/json.h"

namespace ev::batch {

/// What a result event says besides how the command ended.
struct ResultContext {
    std::string subject;  ///< empty: no subject field
    std::string name;     ///< the action name
    std::string cause;    ///< id of the event that caused the run; empty: none
    std::string id;       ///< the result's own id
    double time = 0;      ///< the result's time
    double timeout = 0;   ///< the --timeout in force (for the message)
    /// Why evbatch stopped the run, when it did ("evbatch was interrupted twice").
    std::string stop_reason = "evbatch was interrupted twice";
};

/// The result event: state ok on exit 0, critical otherwise; data.exit_code
/// (null when a signal ended it), data.duration, data.output and, when they
/// apply, data.signal, data.timed_out and data.output_truncated.
Json result_event(const ChildResult& finished, const ResultContext& context);

/// The result event of an action that was not started because its argv
/// broke the argv rules: state unknown, message reason, data.refused true.
Json refused_event(std::string_view reason, const ResultContext& context);

/// The result event of an action that an earlier evbatch started and never
/// saw finish (it died: kill -9, a crash): state unknown, `reason`
/// "interrupted", data.interrupted true; it may or may not have run.
Json interrupted_event(const ResultContext& context);

/// True when the command counts as successful (exit status 0).
inline bool succeeded(const ChildResult& r) {
    return r.ending == Ending::exited && r.exit_code == 0;
}

/// Replaces bytes that are not valid UTF-8 with U+FFFD, so output can go into JSON.
std::string sanitize_utf8(std::string_view bytes);

/// The basename of a command path ("/usr/bin/puppet" -> "puppet").
std::string command_basename(std::string_view path);

/// The words of a command template as one unambiguous string (each word
/// after its length), for the ids of the events it derives.
std::string command_text(const std::vector<std::string>& command);

}  // namespace ev::batch
