// StatusEvent: the fields evstatus reads from an input event, checked.
#pragma once

#include "core/fields.h"

#include <simdjson.h>

#include <optional>
#include <string>
#include <string_view>

#include "core/state.h"

namespace ev::status {

/// The fields of one input event that evstatus uses; views into the parsed event.
struct StatusEvent {
    std::string_view subject;                       ///< `subject`, never empty
    std::string_view name;                          ///< `name`, never empty
    State state = State::ok;                        ///< from `state` or `severity`
    std::optional<double> time;                     ///< `time`, when it is a number
    std::optional<double> ttl;                      ///< `ttl`, when present
    std::optional<std::string_view> id;             ///< `id`, when it is a string
    std::optional<simdjson::dom::element> message;  ///< `message`, any JSON value
    std::optional<simdjson::dom::element> tags;     ///< `tags`, any JSON value
};

/// What read_event found.
enum class EventKind {
    other,   ///< not a status (no state or severity, or an alert): passes through
    status,  ///< a valid status event
    bad,     ///< a status that breaks a rule; the reason says which
};

/// Reads root (a JSON object) into out. A status is any event with `state`
/// or `severity` except alerts; it needs a known state name, a severity in
/// 0..3 (both agreeing when both are given), a non-empty string `subject`
/// and `name`, a numeric `time` when present, and a non-negative numeric
/// `ttl` when present. out.time is filled for every kind.
EventKind read_event(simdjson::dom::element root, StatusEvent& out, std::string& reason);

/// The same, from the fields Input already found (no second pass).
EventKind read_event(const ReadFields& fields, StatusEvent& out, std::string& reason);

}  // namespace ev::status
