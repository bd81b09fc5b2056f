#include "core/id.h"

#include <sys/random.h>

#include <chrono>
#include <cmath>

namespace ev {

namespace {
constexpr char k_crockford[] = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";
}

IdGenerator::IdGenerator(const Clock& clock) : m_clock(clock), m_rng(0) {
    if (getrandom(&m_rng, sizeof m_rng, 0) != static_cast<ssize_t>(sizeof m_rng)) {
        m_rng = static_cast<uint64_t>(std::chrono::steady_clock::now().time_since_epoch().count());
    }
    m_rng |= 1;
}

IdGenerator::IdGenerator(const Clock& clock, uint64_t seed) : m_clock(clock), m_rng(seed | 1) {}

uint64_t IdGenerator::random64() {
    // splitmix64: fast, good enough for uniqueness, not for secrets.
    uint64_t z = (m_rng += 0x9E3779B97F4A7C15ULL);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
    return z ^ (z >> 31);
}

std::string IdGenerator::next() {
    double now = m_clock.now();
    uint64_t ms = now > 0 ? static_cast<uint64_t>(std::floor(now * 1000.0)) : 0;
    ms &= (uint64_t{1} << 48) - 1;
    if (ms > m_last_ms) {
        m_last_ms = ms;
        m_hi = random64() & 0x7FFF;  // top bit clear leaves room to count up
        m_lo = random64();
    } else {
        // Same (or earlier) millisecond: count up so ids stay ordered.
        if (++m_lo == 0) {
            ++m_hi;
        }
    }
    std::string out(26, '0');
    // 48-bit time -> 10 chars (50 bits, top 2 zero).
    uint64_t t = m_last_ms;
    for (int i = 9; i >= 0; --i) {
        out[static_cast<std::size_t>(i)] = k_crockford[t & 31];
        t >>= 5;
    }
    // 80-bit random -> 16 chars: hi holds 16 bits, lo 64 bits.
    uint64_t lo = m_lo;
    uint64_t hi = m_hi & 0xFFFF;
    for (int i = 25; i >= 10; --i) {
        out[static_cast<std::size_t>(i)] = k_crockford[lo & 31];
        lo = (lo >> 5) | ((hi & 31) << 59);
        hi >>= 5;
    }
    return out;
}

}  // namespace ev
