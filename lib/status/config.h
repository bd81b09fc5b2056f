// evstatus's settings: the command line as typed (Options) and the typed
// rules the engine follows (Config).
#pragma once

#include <cstdint>
#include <string>

#include "core/clock.h"
#include "core/input.h"
#include "core/result.h"
#include "core/state.h"
#include "core/stats.h"

namespace ev::status {

/// Which events raise alerts besides transitions.
enum class AlertOn : uint8_t { all, transitions };

/// The rules of the state machine, checked and typed.
struct Config {
    AlertOn alert_on = AlertOn::all;       ///< `all`: non-OK repeats alert too
    State initial = State::ok;             ///< state of an identity never seen
    uint32_t confirm = 1;                  ///< non-OK results in a row before a state is hard (1..255)
    double default_ttl = 0;                ///< ttl for statuses without one; 0: none
    State expire_state = State::critical;  ///< state an expired identity takes
    double flap_high = 30;                 ///< percent state change that starts flapping
    double flap_low = 20;                  ///< percent state change that ends flapping
    bool flap_detection = true;            ///< false (--no-flap): never flaps
};

/// Everything `evstatus` (the filter) reads from its command line, as typed.
struct Options {
    ClockKind clock = ClockKind::wall;      ///< --clock: wall or event
    std::string alert_on = "all";           ///< --alert-on: all or transitions
    std::string initial = "ok";             ///< --initial STATE
    uint32_t confirm = 1;                   ///< --confirm N
    std::string ttl;                        ///< empty: no default ttl
    std::string expire_state = "critical";  ///< --expire-state STATE
    double flap_high = 30;                  ///< --flap-high PCT
    double flap_low = 20;                   ///< --flap-low PCT
    bool no_flap = false;                   ///< --no-flap: flap detection off
    bool alerts_only = false;               ///< write alerts only, not the input events
    std::string state_path;                 ///< empty: no state file
    std::string save_interval = "60s";      ///< --save-interval DURATION
    std::string forget_after;               ///< --forget-after DURATION; empty: never
    bool stats = false;                     ///< print counters and memory figures at exit
    StatsOptions stats_events;              ///< --stats-interval: counters as metric events
    InputOptions input;                     ///< files and the bad-input options
};

/// The typed settings made from Options.
struct Settings {
    Config config;                      ///< the state machine's rules
    ClockKind clock = ClockKind::wall;  ///< what drives expiry
    double save_interval = 60;          ///< seconds between state file saves
    double forget_after = 0;            ///< identities not seen for this long are dropped; 0: never
};

/// Checks Options and turns them into Settings; the error names the option.
Result<Settings> make_settings(const Options& options);

}  // namespace ev::status
