// evstatus's settings: the command line as typed (Options) and the typed
// rules the engine follows (Config).
#pragma once

#include <cstdint>
#include <string>

#include "core/input.h"
#include "core/result.h"
#include "core/state.h"

namespace ev::status {

/// Which events raise alerts besides transitions.
enum class AlertOn : uint8_t { all, transitions };

/// Which clock drives expiry: the machine's, or the events' `time` fields.
enum class ClockKind : uint8_t { wall, event };

/// The rules of the state machine, checked and typed.
struct Config {
    AlertOn alert_on = AlertOn::all;        ///< `all`: non-OK repeats alert too
    State initial = State::ok;              ///< state of an identity never seen
    uint32_t confirm = 1;                   ///< non-OK results in a row before a state is hard (1..255)
    double default_ttl = 0;                 ///< ttl for statuses without one; 0: none
    State expire_state = State::critical;   ///< state an expired identity takes
    double flap_high = 30;                  ///< percent state change that starts flapping
    double flap_low = 20;                   ///< percent state change that ends flapping
};

/// Everything `evstatus` (the filter) reads from its command line, as typed.
struct Options {
    std::string clock = "wall";
    std::string alert_on = "all";
    std::string initial = "ok";
    uint32_t confirm = 1;
    std::string ttl;                        ///< empty: no default ttl
    std::string expire_state = "critical";
    double flap_high = 30;
    double flap_low = 20;
    bool alerts_only = false;
    std::string state_path;                 ///< empty: no state file
    std::string save_interval = "60s";
    bool stats = false;                     ///< print counters and memory figures at exit
    InputOptions input;
};

/// The typed settings made from Options.
struct Settings {
    Config config;
    ClockKind clock = ClockKind::wall;
    double save_interval = 60;
};

/// Checks Options and turns them into Settings; the error names the option.
Result<Settings> make_settings(const Options& options);

}  // namespace ev::status
