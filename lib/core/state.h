// State: the four Nagios states, their severities and worst-state order.
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

namespace ev {

/// A status state; the numeric value is the Nagios exit code (severity).
enum class State : uint8_t { ok = 0, warning = 1, critical = 2, unknown = 3 };

/// Parses `ok`, `warning`, `critical`, `unknown` (exact lower case names).
std::optional<State> parse_state(std::string_view name);

/// The lower case name of a state.
std::string_view state_name(State state);

/// The upper case name used in Nagios output (OK, WARNING, CRITICAL, UNKNOWN).
std::string_view state_label(State state);

/// The severity (Nagios exit code 0..3) of a state.
constexpr int severity_of(State state) {
    return static_cast<int>(state);
}

/// The state of a severity; nothing outside 0..3.
std::optional<State> state_from_severity(int64_t severity);

/// Rank in worst-state order: critical > warning > unknown > ok.
constexpr int worst_rank(State state) {
    switch (state) {
        case State::ok:
            return 0;
        case State::unknown:
            return 1;
        case State::warning:
            return 2;
        case State::critical:
            return 3;
    }
    return 0;
}

/// The worse of two states in worst-state order.
constexpr State worst(State a, State b) {
    return worst_rank(a) >= worst_rank(b) ? a : b;
}

}  // namespace ev
