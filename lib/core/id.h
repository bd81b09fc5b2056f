// Event ids (ULID form): IdGenerator for events a source creates, derived_id
// for events a tool derives from another, so a replay yields the same ids.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

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

/// A 128-bit hash value: the two 64-bit words SipHash-128 outputs, in order.
struct Hash128 {
    uint64_t first = 0;   ///< bytes 0..7 of the output, little endian
    uint64_t second = 0;  ///< bytes 8..15
};

/// SipHash-2-4 (Aumasson and Bernstein) fed in pieces; 64- or 128-bit output.
/// Used with a fixed key, as a well-mixed hash that is the same everywhere.
class SipHash {
public:
    /// Starts a hash under the key k0 (key bytes 0..7, little endian) and k1;
    /// wide chooses the 128-bit variant.
    SipHash(uint64_t k0, uint64_t k1, bool wide);

    /// Feeds bytes.
    void update(std::string_view bytes);
    /// Feeds value as 8 bytes, little endian.
    void update_u64(uint64_t value);
    /// Feeds the length of bytes, then bytes: pieces fed so never run together.
    void update_field(std::string_view bytes);

    /// The 64-bit hash (the hash must not be wide); ends the hash.
    uint64_t finish64();
    /// The 128-bit hash (the hash must be wide); ends the hash.
    Hash128 finish128();

private:
    void compress(uint64_t word);
    void finish_block();

    uint64_t m_v0, m_v1, m_v2, m_v3;
    uint64_t m_tail = 0;  // bytes not yet compressed, little endian
    uint64_t m_length = 0;
};

/// The 64-bit SipHash-2-4 of bytes under the suite's fixed key (sets of ids).
uint64_t id_hash64(std::string_view bytes);

/// Writes the 26-character ULID text of a time part (milliseconds, 48 bits
/// kept) and an 80-bit rest (hi: its top 16 bits, lo: its low 64) to out.
void encode_ulid(uint64_t ms, uint64_t hi, uint64_t lo, char* out);

/// What an event derived from another is made from and by what.
struct Derivation {
    std::string_view cause_id;    ///< the cause's `id`; empty when it has none
    std::string_view cause_line;  ///< hashed instead when cause_id is empty (its line, or an identity)
    double time = 0;              ///< the cause's event time: the id's time part (0 when unknown)
    std::string_view tool;        ///< the deriving tool ("evstatus", "evbatch")
    std::string_view what;        ///< the rule, destination, template or alert kind
    uint64_t sequence = 0;        ///< which of the events derived from one cause this is
};

/// Appends the id of a derived event: 48 bits of the milliseconds of
/// d.time, then 80 bits of the SipHash-128 of everything else in d. A pure
/// function: the same derivation gives the same id, in any process.
void append_derived_id(const Derivation& d, std::string& out);

/// The id of a derived event, as append_derived_id writes it.
std::string derived_id(const Derivation& d);

}  // namespace ev
