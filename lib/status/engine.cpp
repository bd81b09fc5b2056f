#include "status/engine.h"

#include <cmath>

#include <fmt/format.h>

#include "core/duration.h"
#include "core/json.h"

#include "status/flap.h"

namespace ev::status {

std::string_view reason_name(Reason reason) {
    switch (reason) {
        case Reason::transition:
            return "transition";
        case Reason::non_ok:
            return "non-ok";
        case Reason::expired:
            return "expired";
        case Reason::flapping_start:
            return "flapping-start";
        case Reason::flapping_stop:
            return "flapping-stop";
    }
    return "transition";
}

std::string expiry_message(double ttl) {
    return fmt::format("no status within ttl {}", format_duration(ttl));
}

std::optional<Decision> Engine::apply(const StatusEvent& status, double now, uint64_t hash) {
    ++m_counters.statuses;
    IdentityState fresh;
    fresh.state = m_config.initial;
    fresh.raw = m_config.initial;
    fresh.flap_last = State::ok;  // Nagios starts the history as 21 x OK, whatever the initial state
    fresh.since = now;
    bool inserted = false;
    IdentityEntry& entry = m_table.get(status.subject, status.name, hash, fresh, inserted);
    IdentityState& id = entry.state;
    const State previous = id.state;
    const State result = status.state;
    id.raw = result;

    id.flags &= static_cast<uint8_t>(~IdentityState::k_expired);
    id.seen = now;
    id.ttl = status.ttl ? *status.ttl : m_config.default_ttl;
    // A deadline past the largest double never comes: no expiry.
    const double deadline = now + id.ttl;
    m_table.arm(entry, id.ttl > 0 && std::isfinite(deadline) ? deadline : 0);

    // The last message (Nagios's plugin output: each result replaces it)
    // and the last tags given (kept while statuses carry none).
    if (status.message) {
        m_scratch.clear();
        write_canonical_nested(*status.message, m_scratch);
        m_table.set_message(entry, m_scratch);
    } else if (entry.message != nullptr) {
        m_table.set_message(entry, {});
    }
    if (status.tags) {
        m_scratch.clear();
        write_canonical_nested(*status.tags, m_scratch);
        m_table.set_tags(entry, m_scratch);
    }

    std::optional<Reason> reason;
    if (result == State::ok) {
        id.soft = 0;
        if (previous != State::ok) {
            id.state = State::ok;
            reason = Reason::transition;
        }
    } else if (previous != State::ok) {
        if (result != previous) {
            id.state = result;
            reason = Reason::transition;
        } else if (m_config.alert_on == AlertOn::all) {
            reason = Reason::non_ok;
        }
    } else {
        // Hard ok: a non-OK result is soft until confirmed by `confirm` in a row.
        if (id.soft < 255) {
            ++id.soft;
        }
        if (id.soft >= m_config.confirm) {
            id.soft = 0;
            id.state = result;
            reason = Reason::transition;
        }
    }
    if (id.state != previous) {
        id.since = now;
    }

    // Flap history (Nagios, base/flapping.c): only hard states and soft
    // recoveries are recorded; a soft problem result neither enters the
    // history nor tests the thresholds, so the flapping state stays.
    const bool was_flapping = id.flapping();
    bool flapping = was_flapping;
    const bool soft_problem = result != State::ok && id.state == State::ok && id.soft > 0;
    if (!soft_problem) {
        id.flap = flap_push(id.flap, result != id.flap_last);
        id.flap_last = result;
        // With detection off (--no-flap) an episode still open ends, as
        // Nagios clears the flap when detection is disabled.
        flapping = m_config.flap_detection &&
                   flap_next(was_flapping, flap_percent(id.flap), m_config.flap_high, m_config.flap_low);
        if (flapping) {
            id.flags |= IdentityState::k_flapping;
        } else {
            id.flags &= static_cast<uint8_t>(~IdentityState::k_flapping);
        }
    }

    if (flapping && !was_flapping) {
        reason = Reason::flapping_start;
    } else if (!flapping && was_flapping) {
        reason = Reason::flapping_stop;
    } else if (flapping && reason) {
        ++m_counters.held_back;
        reason.reset();
    }
    if (!reason) {
        return std::nullopt;
    }
    ++m_counters.alerts;
    Decision d;
    d.reason = *reason;
    d.state = id.state;
    d.previous = previous;
    d.since = id.since;
    d.time = now;
    d.ttl = id.ttl;
    d.entry = &entry;
    return d;
}

std::optional<Decision> Engine::expire_next(double now) {
    double at = 0;  // the deadline: the silence became an alert then
    IdentityEntry* entry = m_table.pop_expired(now, &at);
    if (entry == nullptr) {
        return std::nullopt;
    }
    IdentityState& id = entry->state;
    Decision d;
    d.reason = Reason::expired;
    d.previous = id.state;
    d.time = at;
    d.ttl = id.ttl;
    if (id.state != m_config.expire_state) {
        id.state = m_config.expire_state;
        id.since = at;
    }
    id.soft = 0;
    id.flags |= IdentityState::k_expired;
    // The state says why it is what it is: the expiry's message.
    m_scratch.clear();
    json_escape_to(expiry_message(id.ttl), m_scratch);
    m_table.set_message(*entry, m_scratch);
    d.state = id.state;
    d.since = id.since;
    d.entry = entry;
    ++m_counters.expired;
    ++m_counters.alerts;
    return d;
}

}  // namespace ev::status
