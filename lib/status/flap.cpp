#include "status/flap.h"

namespace ev::status {

double flap_percent(uint32_t history) {
    // Weights scaled by 76 so they are integers: 0.75 -> 57, 1.25 -> 95, step 2.
    // Bit k (0 newest) is change x = 20 - k.
    if (history == 0) {
        return 0;  // the steady common case
    }
    uint32_t sum = 0;
    for (int k = 0; k < k_flap_changes; ++k) {
        if ((history >> k) & 1u) {
            sum += 57 + 2 * static_cast<uint32_t>(k_flap_changes - 1 - k);
        }
    }
    // 100 * (sum / 76) / 20 = sum * 5 / 76.
    return static_cast<double>(sum) * 5.0 / 76.0;
}

bool flap_next(bool flapping, double percent, double high, double low) {
    if (!flapping) {
        return percent >= high;
    }
    return !(percent <= low);
}

}  // namespace ev::status
