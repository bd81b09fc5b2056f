#include "core/id.h"

#include <sys/random.h>

#include <bit>
#include <chrono>
#include <cmath>

namespace ev {

namespace {

constexpr char k_crockford[] = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";
constexpr uint64_t k_ms_mask = (uint64_t{1} << 48) - 1;

// The suite's fixed SipHash key ("evkit id", "derived!" as little-endian
// words): public, since the hash gives spread and sameness, not secrecy.
constexpr uint64_t k_key0 = 0x64692074696B7665ULL;
constexpr uint64_t k_key1 = 0x2164657669726564ULL;

// Milliseconds of a Unix time, 0 before the epoch or when not finite.
uint64_t time_ms(double time) {
    if (!(time > 0) || !std::isfinite(time)) {
        return 0;
    }
    double ms = std::floor(time * 1000.0);
    if (ms >= 281474976710656.0) {  // 2^48: past the time part's range
        return k_ms_mask;
    }
    return static_cast<uint64_t>(ms);
}

inline void sip_round(uint64_t& v0, uint64_t& v1, uint64_t& v2, uint64_t& v3) {
    v0 += v1;
    v1 = std::rotl(v1, 13);
    v1 ^= v0;
    v0 = std::rotl(v0, 32);
    v2 += v3;
    v3 = std::rotl(v3, 16);
    v3 ^= v2;
    v0 += v3;
    v3 = std::rotl(v3, 21);
    v3 ^= v0;
    v2 += v1;
    v1 = std::rotl(v1, 17);
    v1 ^= v2;
    v2 = std::rotl(v2, 32);
}

}  // namespace

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
    uint64_t ms = time_ms(m_clock.now());
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
    encode_ulid(m_last_ms, m_hi, m_lo, out.data());
    return out;
}

void encode_ulid(uint64_t ms, uint64_t hi, uint64_t lo, char* out) {
    // 48-bit time -> 10 chars (50 bits, top 2 zero).
    uint64_t t = ms & k_ms_mask;
    for (int i = 9; i >= 0; --i) {
        out[i] = k_crockford[t & 31];
        t >>= 5;
    }
    // 80-bit rest -> 16 chars: hi holds 16 bits, lo 64 bits.
    hi &= 0xFFFF;
    for (int i = 25; i >= 10; --i) {
        out[i] = k_crockford[lo & 31];
        lo = (lo >> 5) | ((hi & 31) << 59);
        hi >>= 5;
    }
}

SipHash::SipHash(uint64_t k0, uint64_t k1, bool wide)
    : m_v0(k0 ^ 0x736F6D6570736575ULL),
      m_v1(k1 ^ 0x646F72616E646F6DULL ^ (wide ? 0xEE : 0)),
      m_v2(k0 ^ 0x6C7967656E657261ULL),
      m_v3(k1 ^ 0x7465646279746573ULL) {}

void SipHash::compress(uint64_t word) {
    m_v3 ^= word;
    sip_round(m_v0, m_v1, m_v2, m_v3);
    sip_round(m_v0, m_v1, m_v2, m_v3);
    m_v0 ^= word;
}

void SipHash::update(std::string_view bytes) {
    const auto* p = reinterpret_cast<const unsigned char*>(bytes.data());
    std::size_t n = bytes.size();
    std::size_t i = 0;
    // Fill a partial word first, then whole words, then keep the rest.
    while (i < n && (m_length & 7) != 0) {
        m_tail |= static_cast<uint64_t>(p[i]) << (8 * (m_length & 7));
        ++m_length;
        ++i;
        if ((m_length & 7) == 0) {
            compress(m_tail);
            m_tail = 0;
        }
    }
    for (; i + 8 <= n; i += 8) {
        uint64_t word = 0;
        for (int b = 7; b >= 0; --b) {
            word = (word << 8) | p[i + static_cast<std::size_t>(b)];
        }
        compress(word);
        m_length += 8;
    }
    for (; i < n; ++i) {
        m_tail |= static_cast<uint64_t>(p[i]) << (8 * (m_length & 7));
        ++m_length;
    }
}

void SipHash::update_u64(uint64_t value) {
    char bytes[8];
    for (char& b : bytes) {
        b = static_cast<char>(value & 0xFF);
        value >>= 8;
    }
    update(std::string_view(bytes, sizeof bytes));
}

void SipHash::update_field(std::string_view bytes) {
    update_u64(bytes.size());
    update(bytes);
}

void SipHash::finish_block() {
    compress(m_tail | (m_length << 56));
}

uint64_t SipHash::finish64() {
    finish_block();
    m_v2 ^= 0xFF;
    for (int r = 0; r < 4; ++r) {
        sip_round(m_v0, m_v1, m_v2, m_v3);
    }
    return m_v0 ^ m_v1 ^ m_v2 ^ m_v3;
}

Hash128 SipHash::finish128() {
    finish_block();
    m_v2 ^= 0xEE;
    for (int r = 0; r < 4; ++r) {
        sip_round(m_v0, m_v1, m_v2, m_v3);
    }
    Hash128 h;
    h.first = m_v0 ^ m_v1 ^ m_v2 ^ m_v3;
    m_v1 ^= 0xDD;
    for (int r = 0; r < 4; ++r) {
        sip_round(m_v0, m_v1, m_v2, m_v3);
    }
    h.second = m_v0 ^ m_v1 ^ m_v2 ^ m_v3;
    return h;
}

uint64_t id_hash64(std::string_view bytes) {
    SipHash h(k_key0, k_key1, false);
    h.update(bytes);
    return h.finish64();
}

void append_derived_id(const Derivation& d, std::string& out) {
    SipHash h(k_key0, k_key1, true);
    // A cause without an id is known by its bytes; the tag keeps the two
    // kinds apart even if a line's bytes equalled some id.
    if (!d.cause_id.empty()) {
        h.update("i");
        h.update_field(d.cause_id);
    } else {
        h.update("l");
        h.update_field(d.cause_line);
    }
    h.update_field(d.tool);
    h.update_field(d.what);
    h.update_u64(d.sequence);
    h.update_u64(std::bit_cast<uint64_t>(d.time));
    Hash128 v = h.finish128();
    std::size_t at = out.size();
    out.resize(at + 26);
    encode_ulid(time_ms(d.time), v.second, v.first, out.data() + at);
}

std::string derived_id(const Derivation& d) {
    std::string out;
    out.reserve(26);
    append_derived_id(d, out);
    return out;
}

}  // namespace ev
