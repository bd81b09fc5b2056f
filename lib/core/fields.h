// The top-level fields tools read (identity, state, time, routing), found in
// one pass over an event. A second copy of one of them is bad input: it would
// let two tools read different events from the same line.
#pragma once

#include <simdjson.h>

#include <cstdint>
#include <optional>
#include <string_view>

#include "core/state.h"

namespace ev {

/// The fields tools read, in the order of their index.
enum class Field : uint8_t { id, time, type, subject, name, state, severity, ttl, metric, tags, message };

/// How many Field values there are.
constexpr int k_field_count = 11;

/// The JSON key of a field.
std::string_view field_key(Field field);

/// Where each read field of one event is, from one pass over its members.
class ReadFields {
public:
    /// Indexes object; returns the key of the first read field that appears
    /// twice (the event is then bad input), or an empty view.
    std::string_view index(simdjson::dom::object object);

    /// The field's value, or nothing when the event has no such member.
    std::optional<simdjson::dom::element> get(Field field) const {
        int i = static_cast<int>(field);
        if ((m_present & (1u << i)) == 0) {
            return std::nullopt;
        }
        return m_at[i];
    }

    /// True when the event has both `state` and `severity`, each valid, and
    /// they name different states (bad input: docs/events.md).
    bool state_and_severity_disagree() const;

private:
    simdjson::dom::element m_at[k_field_count];
    uint32_t m_present = 0;
};

/// The state a `state` value names: a string `ok`, `warning`, `critical` or
/// `unknown`; nothing for any other value.
std::optional<State> state_of_state_field(simdjson::dom::element value);

/// The state a `severity` value gives: an integer 0..3; nothing otherwise.
std::optional<State> state_of_severity_field(simdjson::dom::element value);

}  // namespace ev
