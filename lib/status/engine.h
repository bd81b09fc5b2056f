// Engine: the state machine per identity: transitions, non-OK repeats,
// confirmation, expiry and flapping. No I/O; times come from the caller.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "status/config.h"
#include "status/event.h"
#include "status/table.h"

namespace ev::status {

/// Why an alert was raised; the names are the `reason` field.
enum class Reason : uint8_t { transition, non_ok, expired, flapping_start, flapping_stop };

/// The `reason` text of a Reason.
std::string_view reason_name(Reason reason);

/// The message of an expiry: "no status within ttl DURATION".
std::string expiry_message(double ttl);

/// An alert decided by the engine; the identity and times, not yet encoded.
struct Decision {
    Reason reason = Reason::transition;
    State state = State::ok;               ///< the identity's state after the event
    State previous = State::ok;            ///< its state before
    double since = 0;                      ///< when the current state began
    double time = 0;                       ///< when the alert happened
    double ttl = 0;                        ///< for expiry: the ttl that ran out
    const IdentityEntry* entry = nullptr;  ///< the identity (subject, name and state)
};

/// Counters of what the engine saw and did.
struct EngineCounters {
    uint64_t statuses = 0;   ///< statuses applied
    uint64_t alerts = 0;     ///< alerts raised, expiries included
    uint64_t held_back = 0;  ///< alerts not raised because the identity flaps
    uint64_t expired = 0;    ///< identities expired
};

/// Applies status results and expiry to the identity table.
class Engine {
public:
    explicit Engine(Config config) : m_config(config) {}

    /// Applies one status at time now; returns the alert it raises, if any
    /// (one event never raises two).
    std::optional<Decision> apply(const StatusEvent& status, double now) {
        return apply(status, now, IdentityTable::hash_of(status.subject, status.name));
    }

    /// The same with the identity's IdentityTable::hash_of computed already.
    std::optional<Decision> apply(const StatusEvent& status, double now, uint64_t hash);

    /// The next identity whose deadline is strictly before now, expired:
    /// it takes the expire state and the alert is returned. Call until empty.
    std::optional<Decision> expire_next(double now);

    /// A time at or before the earliest armed deadline, 0 when none (for timers).
    double next_deadline() { return m_table.next_deadline(); }

    /// The identities (to save, restore and show them).
    IdentityTable& table() { return m_table; }
    /// The identities, read only.
    const IdentityTable& table() const { return m_table; }
    /// The rules in force.
    const Config& config() const { return m_config; }
    /// What the engine saw and did so far.
    const EngineCounters& counters() const { return m_counters; }

private:
    Config m_config;
    IdentityTable m_table;
    EngineCounters m_counters;
    std::string m_scratch;  // canonical JSON of a message or tags, reused
};

}  // namespace ev::status
