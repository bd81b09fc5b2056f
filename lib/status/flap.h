// Flap detection after Nagios (base/flapping.c): a history of the last 21
// recorded states of an identity, kept as the 20 changes between them,
// weighted from 0.75 (oldest) to 1.25 (newest), summed in doubles as Nagios
// sums them. Only hard states and soft recoveries are recorded.
#pragma once

#include <cstdint>

namespace ev::status {

/// Number of change bits kept: 21 states give 20 changes between them.
constexpr int k_flap_changes = 20;

/// Mask of the change bits inside a history word.
constexpr uint32_t k_flap_mask = (uint32_t{1} << k_flap_changes) - 1;

/// Shifts one recorded state into history: bit 0 is the newest change, set
/// when the state differed from the one recorded before it.
constexpr uint32_t flap_push(uint32_t history, bool changed) {
    return ((history << 1) | (changed ? 1u : 0u)) & k_flap_mask;
}

/// Percent state change of a history, computed as Nagios computes it: the
/// weights of the changes, oldest first, each (x-1) x 0.5 / 19 + 0.75 for
/// change x (1 oldest .. 20 newest), added in doubles, then x 100 / 20. So a
/// percent that should be a threshold exactly lands where Nagios's does
/// (39.999999999999993 for 40, say).
double flap_percent(uint32_t history);

/// Whether an identity flaps after a recorded state, given whether it flapped
/// before, tested in Nagios's order: strictly between low and high keeps the
/// flapping state; else at or below low is not flapping; else (at or above
/// high) flapping. So low == high never holds an episode open on a steady
/// stream, and a percent of 0 never starts one.
bool flap_next(bool flapping, double percent, double high, double low);

}  // namespace ev::status
