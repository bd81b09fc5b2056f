#include "core/state.h"

namespace ev {

std::optional<State> parse_state(std::string_view name) {
    if (name == "ok") {
        return State::ok;
    }
    if (name == "warning") {
        return State::warning;
    }
    if (name == "critical") {
        return State::critical;
    }
    if (name == "unknown") {
        return State::unknown;
    }
    return std::nullopt;
}

std::string_view state_name(State state) {
    switch (state) {
        case State::ok:
            return "ok";
        case State::warning:
            return "warning";
        case State::critical:
            return "critical";
        case State::unknown:
            return "unknown";
    }
    return "unknown";
}

std::string_view state_label(State state) {
    switch (state) {
        case State::ok:
            return "OK";
        case State::warning:
            return "WARNING";
        case State::critical:
            return "CRITICAL";
        case State::unknown:
            return "UNKNOWN";
    }
    return "UNKNOWN";
}

std::optional<State> state_from_severity(int64_t severity) {
    if (severity < 0 || severity > 3) {
        return std::nullopt;
    }
    return static_cast<State>(severity);
}

}  // namespace ev
