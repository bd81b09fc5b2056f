// IdentityTable: the current state of every identity (subject, name), in an
// open-addressing hash table whose entries hold the state and the key bytes
// in one allocation, plus the expiry queue.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "core/state.h"
#include "status/expiry.h"

namespace ev::status {

/// What evstatus remembers about one identity (48 bytes).
struct IdentityState {
    double since = 0;             ///< time the current (hard) state began
    double seen = 0;              ///< time of the last status
    double ttl = 0;               ///< ttl of the last status; 0: none
    double deadline = 0;          ///< when the identity expires; 0: not armed
    uint32_t flap = 0;            ///< change history, see flap.h
    State state = State::ok;      ///< current hard state
    State raw = State::ok;        ///< state of the last result (soft or hard)
    uint8_t soft = 0;             ///< non-OK results in a row while the hard state is ok
    uint8_t flags = 0;            ///< k_flapping | k_expired
    State flap_last = State::ok;  ///< the state recorded last in the flap history

    static constexpr uint8_t k_flapping = 1;  ///< inside a flapping episode
    static constexpr uint8_t k_expired = 2;   ///< took its state by expiry
    bool flapping() const { return (flags & k_flapping) != 0; }
    bool expired() const { return (flags & k_expired) != 0; }
};

/// A tag set shared by every identity whose last `tags` were equal (the
/// canonical JSON text follows the struct in the same allocation).
struct TagSet {
    uint32_t refs = 0;  ///< identities holding it
    uint32_t size = 0;  ///< bytes of text
    /// The canonical JSON of the tags.
    std::string_view text() const { return {reinterpret_cast<const char*>(this + 1), size}; }
};

/// An identity's last message as canonical JSON, in a block reused while a
/// new message fits (the text follows the struct).
struct MessageText {
    uint32_t size = 0;      ///< bytes of text
    uint32_t capacity = 0;  ///< bytes the block holds after the struct
    /// The canonical JSON of the message.
    std::string_view text() const { return {reinterpret_cast<const char*>(this + 1), size}; }
};

/// One identity: its state, followed in the same allocation by the subject
/// and name bytes (so a lookup touches one block, not three).
struct IdentityEntry {
    IdentityState state;
    const TagSet* tags = nullptr;    ///< the last tags (interned), none: nullptr
    MessageText* message = nullptr;  ///< the last message, none: nullptr
    uint32_t subject_size = 0;
    uint32_t name_size = 0;

    /// The subject, stored right after this struct.
    std::string_view subject() const { return {bytes(), subject_size}; }
    /// The name, stored after the subject.
    std::string_view name() const { return {bytes() + subject_size, name_size}; }

private:
    const char* bytes() const { return reinterpret_cast<const char*>(this + 1); }
};

/// Asks the CPU to start loading the cache line at p (never faults).
/// GCC 12 drops a __builtin_prefetch under a branch, so x86 gets the
/// instruction itself.
inline void prefetch(const void* p) {
#if defined(__x86_64__)
    asm volatile("prefetcht0 %0" : : "m"(*static_cast<const char*>(p)));
#else
    __builtin_prefetch(p);
#endif
}

/// Every identity's state and the queue of armed expiry deadlines.
class IdentityTable {
public:
    IdentityTable() = default;
    ~IdentityTable();
    IdentityTable(const IdentityTable&) = delete;
    IdentityTable& operator=(const IdentityTable&) = delete;
    IdentityTable(IdentityTable&& other) noexcept;
    IdentityTable& operator=(IdentityTable&&) = delete;

    /// The entry of (subject, name), or nullptr.
    IdentityEntry* find(std::string_view subject, std::string_view name);

    /// The entry of (subject, name), created with fresh when absent; inserted says which.
    IdentityEntry& get(std::string_view subject, std::string_view name, const IdentityState& fresh, bool& inserted) {
        return get(subject, name, hash_of(subject, name), fresh, inserted);
    }

    /// The same with hash_of(subject, name) computed already.
    IdentityEntry& get(std::string_view subject, std::string_view name, uint64_t hash, const IdentityState& fresh,
                       bool& inserted);

    /// The hash get() files (subject, name) under.
    static uint64_t hash_of(std::string_view subject, std::string_view name);

    /// Starts loading the slot of hash into the cache, so that a get() a
    /// little later does not wait for memory (the table is far larger than
    /// the caches, and each event touches a random identity).
    void prefetch_slot(uint64_t hash) const {
        if (std::size_t n = m_slots.size(); n != 0) {
            prefetch(&m_slots[hash & (n - 1)]);
        }
    }

    /// Starts loading the entry in hash's first slot (after prefetch_slot(),
    /// once that has had time to arrive).
    void prefetch_entry(uint64_t hash) const {
        if (std::size_t n = m_slots.size(); n != 0) {
            if (const IdentityEntry* entry = m_slots[hash & (n - 1)].entry) {
                prefetch(entry);
                prefetch(reinterpret_cast<const char*>(entry) + 64);
            }
        }
    }

    /// Makes room for n identities without growing.
    void reserve(std::size_t n);

    /// Sets an entry's tags to the canonical JSON text (empty: none); equal
    /// texts share one TagSet. An unchanged text costs a comparison.
    void set_tags(IdentityEntry& entry, std::string_view text);

    /// Sets an entry's message to the canonical JSON text (empty: none),
    /// reusing its block when the text fits.
    void set_message(IdentityEntry& entry, std::string_view text);

    /// How many distinct tag sets are held.
    std::size_t tag_sets() const { return m_tags.size(); }

    /// Removes every entry pred is true for (their deadlines, tags and
    /// messages with them) in one pass over the table; returns how many.
    std::size_t erase_if(const std::function<bool(const IdentityEntry&)>& pred);

    /// Sets an entry's deadline (0 disarms) and makes sure it is queued.
    void arm(IdentityEntry& entry, double deadline);

    /// The earliest armed deadline, or 0 when none is armed.
    double next_deadline();

    /// Removes and returns the entry with the earliest deadline if it is
    /// before `now` (strictly), else nullptr; its deadline goes to *deadline.
    /// Ties go in subject, then name order.
    IdentityEntry* pop_expired(double now, double* deadline);

    /// How many identities the table holds.
    std::size_t size() const { return m_size; }

    /// Entries sorted by subject then name (for saving and showing).
    std::vector<const IdentityEntry*> sorted() const;

    /// Bytes the table holds for its identities beyond the subject and name
    /// bytes themselves: slots, entry blocks (with malloc's rounding), queue.
    std::size_t bytes_overhead() const;

    /// Bytes of strings held: subjects, names, messages and (once per set) tags.
    std::size_t bytes_strings() const;

private:
    struct Slot {
        uint64_t hash = 0;
        IdentityEntry* entry = nullptr;
    };
    Slot* probe(uint64_t hash, std::string_view subject, std::string_view name);
    void grow();
    void rebuild_queue();
    void release_tags(const TagSet* tags);
    void free_entry(IdentityEntry* entry);

    std::vector<Slot> m_slots;  // power of two; at most half full
    std::size_t m_size = 0;
    ExpiryQueue m_expiry;  // every armed entry has an item at its deadline
    std::size_t m_armed = 0;
    std::unordered_map<std::string_view, TagSet*> m_tags;  // keyed by each set's own text
};

}  // namespace ev::status
