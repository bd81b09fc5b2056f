#include "status/flap.h"

#include <array>

namespace ev::status {

namespace {

// Weight of change x (1 oldest .. 20 newest), as flapping.c writes it:
// ((x - 1) * (high_curve - low_curve)) / (MAX_STATE_HISTORY_ENTRIES - 2) + low_curve.
constexpr std::array<double, k_flap_changes + 1> make_weights() {
    std::array<double, k_flap_changes + 1> w{};
    for (int x = 1; x <= k_flap_changes; ++x) {
        w[static_cast<std::size_t>(x)] = ((static_cast<double>(x - 1) * (1.25 - 0.75)) / 19.0) + 0.75;
    }
    return w;
}

constexpr std::array<double, k_flap_changes + 1> k_weights = make_weights();

}  // namespace

double flap_percent(uint32_t history) {
    if (history == 0) {
        return 0;  // the steady common case
    }
    // Oldest change first, as Nagios adds them: the sum of doubles depends
    // on the order. Bit k (0 newest) is change x = 20 - k. Skipping the
    // unchanged ones adds nothing Nagios adds.
    double curved = 0.0;
    for (int k = k_flap_changes - 1; k >= 0; --k) {
        if ((history >> k) & 1u) {
            curved += k_weights[static_cast<std::size_t>(k_flap_changes - k)];
        }
    }
    return (curved * 100.0) / static_cast<double>(k_flap_changes);
}

bool flap_next(bool flapping, double percent, double high, double low) {
    if (percent > low && percent < high) {
        return flapping;  // undecided: keep
    }
    if (percent <= low) {
        return false;
    }
    return true;  // percent >= high
}

}  // namespace ev::status
