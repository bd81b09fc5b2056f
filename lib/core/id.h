// IdGenerator: unique, time-sortable event ids (ULID form).
#pragma once

#include <cstdint>
#include <string>

#include "core/clock.h"

namespace ev {

/// Makes 26-character Crockford base32 ids: 48 bits of milliseconds, then 80
/// bits that are random at each new millisecond and counted up within one,
/// so ids sort by creation time even within a millisecond.
class IdGenerator {
public:
    /// Uses clock for the time part; seeds the random part from the OS.
    explicit IdGenerator(const Clock& clock = wall_clock());
    /// Uses a fixed seed: the same clock readings give the same ids (tests, event time).
    IdGenerator(const Clock& clock, uint64_t seed);

    /// The next id.
    std::string next();

private:
    uint64_t random64();

    const Clock& m_clock;
    uint64_t m_rng;
    uint64_t m_last_ms = 0;
    uint64_t m_hi = 0;  // top 16 bits of the 80-bit random part
    uint64_t m_lo = 0;  // low 64 bits
};

}  // namespace ev
