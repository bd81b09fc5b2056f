// Flap detection after Nagios: the last 21 results of an identity, kept as
// the 20 changes between them, weighted from 0.75 (oldest) to 1.25 (newest).
#pragma once

#include <cstdint>

namespace ev::status {

/// Number of change bits kept: 21 results give 20 changes between them.
constexpr int k_flap_changes = 20;

/// Mask of the change bits inside a history word.
constexpr uint32_t k_flap_mask = (uint32_t{1} << k_flap_changes) - 1;

/// Shifts one result into history: bit 0 is the newest change, set when the
/// result differed from the one before it.
constexpr uint32_t flap_push(uint32_t history, bool changed) {
    return ((history << 1) | (changed ? 1u : 0u)) & k_flap_mask;
}

/// Percent state change of a history: 100 x (sum of weights of changes) / 20,
/// the weight of change x (1 oldest .. 20 newest) being 0.75 + (x-1) x 0.5/19.
double flap_percent(uint32_t history);

/// Whether an identity flaps after a new result, given whether it flapped
/// before: starts at or above high, stops at or below low (hysteresis).
bool flap_next(bool flapping, double percent, double high, double low);

}  // namespace ev::status
