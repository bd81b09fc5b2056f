// IdentityTable: the current state of every identity (subject, name), in a
// hash map with a compact value, plus the expiry queue.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "core/state.h"

namespace ev::status {

/// What evstatus remembers about one identity (40 bytes).
struct IdentityState {
    double since = 0;        ///< time the current (hard) state began
    double seen = 0;         ///< time of the last status
    double ttl = 0;          ///< ttl of the last status; 0: none
    double deadline = 0;     ///< when the identity expires; 0: not armed
    uint32_t flap = 0;       ///< change history, see flap.h
    State state = State::ok; ///< current hard state
    State raw = State::ok;   ///< state of the last result (soft or hard)
    uint8_t soft = 0;        ///< non-OK results in a row while the hard state is ok
    uint8_t flags = 0;       ///< k_flapping | k_expired

    static constexpr uint8_t k_flapping = 1;  ///< inside a flapping episode
    static constexpr uint8_t k_expired = 2;   ///< took its state by expiry
    bool flapping() const { return (flags & k_flapping) != 0; }
    bool expired() const { return (flags & k_expired) != 0; }
};

/// Hashes identity keys, and string views of them without a copy.
struct KeyHash {
    using is_transparent = void;
    std::size_t operator()(std::string_view key) const { return std::hash<std::string_view>{}(key); }
};

/// Compares identity keys with string views without a copy.
struct KeyEqual {
    using is_transparent = void;
    bool operator()(std::string_view a, std::string_view b) const { return a == b; }
};

/// The map from identity key to state.
using IdentityMap = std::unordered_map<std::string, IdentityState, KeyHash, KeyEqual>;

/// One identity in the map.
using IdentityEntry = IdentityMap::value_type;

/// Writes the key of (subject, name) into out: 4 bytes of subject length,
/// the subject, the name; so distinct identities always have distinct keys.
void make_key(std::string_view subject, std::string_view name, std::string& out);

/// The subject inside a key made by make_key.
std::string_view key_subject(std::string_view key);

/// The name inside a key made by make_key.
std::string_view key_name(std::string_view key);

/// Every identity's state and the queue of armed expiry deadlines.
class IdentityTable {
public:
    /// The entry of (subject, name), or nullptr.
    IdentityEntry* find(std::string_view subject, std::string_view name);

    /// The entry of (subject, name), created with fresh when absent; inserted says which.
    IdentityEntry& get(std::string_view subject, std::string_view name, const IdentityState& fresh,
                       bool& inserted);

    /// Sets an entry's deadline (0 disarms) and queues it.
    void arm(IdentityEntry& entry, double deadline);

    /// A time at or before the earliest armed deadline (exact unless an
    /// entry was refreshed since it was queued), or 0 when none is armed.
    double next_deadline();

    /// Removes and returns the entry with the earliest deadline if it is
    /// before `now` (strictly), else nullptr; its deadline goes to *deadline.
    /// Ties go in key order.
    IdentityEntry* pop_expired(double now, double* deadline);

    std::size_t size() const { return m_map.size(); }
    const IdentityMap& map() const { return m_map; }
    IdentityMap& map() { return m_map; }

    /// Entries sorted by subject then name (for saving and showing).
    std::vector<const IdentityEntry*> sorted() const;

    /// Bytes the table holds for its identities, counted from the containers'
    /// sizes (node, bucket, queue, key heap buffers beyond the strings themselves).
    std::size_t bytes_overhead() const;

    /// Bytes of subject and name strings held (the part the target excludes).
    std::size_t bytes_strings() const;

private:
    struct Queued {
        double deadline;
        IdentityEntry* entry;
    };
    static bool later(const Queued& a, const Queued& b);
    void rebuild_queue();
    void requeue_top();

    IdentityMap m_map;
    std::vector<Queued> m_queue;  // min-heap on (deadline, subject, name); stale items fixed lazily
    std::size_t m_armed = 0;
    std::string m_key;
};

}  // namespace ev::status
