#include "status/config.h"

#include <fmt/format.h>

#include "core/duration.h"

namespace ev::status {

namespace {

Result<State> state_option(const char* option, const std::string& text) {
    if (auto state = parse_state(text)) {
        return *state;
    }
    return make_error(fmt::format("{}: unknown state '{}' (use ok, warning, critical or unknown)", option, text));
}

}  // namespace

Result<Settings> make_settings(const Options& options) {
    Settings s;
    s.clock = options.clock;
    if (options.alert_on == "all") {
        s.config.alert_on = AlertOn::all;
    } else if (options.alert_on == "transitions") {
        s.config.alert_on = AlertOn::transitions;
    } else {
        return make_error(fmt::format("--alert-on: expected all or transitions, not '{}'", options.alert_on));
    }
    auto initial = state_option("--initial", options.initial);
    if (!initial) {
        return std::move(initial).take_error();
    }
    s.config.initial = *initial;
    auto expire = state_option("--expire-state", options.expire_state);
    if (!expire) {
        return std::move(expire).take_error();
    }
    s.config.expire_state = *expire;
    if (options.confirm < 1 || options.confirm > 255) {
        return make_error(fmt::format("--confirm: expected 1..255, not {}", options.confirm));
    }
    s.config.confirm = options.confirm;
    if (!options.ttl.empty()) {
        auto ttl = parse_duration(options.ttl);
        if (!ttl) {
            return make_error(fmt::format("--ttl: {}", ttl.error()));
        }
        s.config.default_ttl = *ttl;
    }
    // Nagios's order of tests needs low <= high (a percent above high and
    // at or below low would be both).
    if (!(options.flap_low >= 0 && options.flap_high <= 100 && options.flap_low <= options.flap_high)) {
        return make_error(fmt::format("--flap-low {} / --flap-high {}: expected 0 <= low <= high <= 100",
                                      options.flap_low, options.flap_high));
    }
    s.config.flap_high = options.flap_high;
    s.config.flap_low = options.flap_low;
    s.config.flap_detection = !options.no_flap;
    auto interval = parse_duration(options.save_interval);
    if (!interval) {
        return make_error(fmt::format("--save-interval: {}", interval.error()));
    }
    if (*interval <= 0) {
        return make_error("--save-interval: must be more than 0");
    }
    s.save_interval = *interval;
    if (!options.forget_after.empty()) {
        auto forget = parse_duration(options.forget_after);
        if (!forget) {
            return make_error(fmt::format("--forget-after: {}", forget.error()));
        }
        if (*forget <= 0) {
            return make_error("--forget-after: must be more than 0");
        }
        s.forget_after = *forget;
    }
    return s;
}

}  // namespace ev::status
