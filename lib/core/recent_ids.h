// RecentIds: the ids a stateful tool applied most recently, so an input
// replayed after a crash (Kafka re-delivers from the last commit) is known
// and cannot drive the tool's state backwards.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.h"

namespace ev {

/// A bounded window of the last N distinct ids seen: O(1) lookup and insert,
/// memory fixed at the first insert (about 24 bytes per id of capacity), no
/// allocation per id after that. Ids are kept as 64-bit hashes (id_hash64):
/// two different ids share a hash with a chance of about N / 2^64.
class RecentIds {
public:
    /// The window the suite's stateful tools keep by default.
    static constexpr std::size_t k_default_capacity = 65536;

    /// A window of the last capacity ids; 0 keeps none (every id is new).
    explicit RecentIds(std::size_t capacity = k_default_capacity);

    /// True when id is in the window. An empty id never is.
    bool contains(std::string_view id) const;

    /// Records id (a no-op for an empty id or one in the window); the oldest
    /// id leaves when the window is full. Returns true when id was new.
    bool insert(std::string_view id);

    /// The key insert_key() files a non-empty id under (computed ahead so
    /// that prefetch() can ask for its slot while other work goes on).
    static uint64_t key_of(std::string_view id);
    /// Starts loading the slot of key into the cache (never faults).
    void prefetch(uint64_t key) const;
    /// insert() of the id whose key_of() is key.
    bool insert_key(uint64_t key) { return m_capacity != 0 && insert_hash(key); }

    /// How many ids the window holds now.
    std::size_t size() const { return m_size; }
    /// How many ids it holds at most.
    std::size_t capacity() const { return m_capacity; }

    /// Appends the window as text (hex hashes, oldest first), to save it.
    void encode(std::string& out) const;

    /// Replaces the window with the ids of text from encode (the oldest leave
    /// if text holds more than the capacity); a malformed text is an error.
    Result<void> decode(std::string_view text);

private:
    bool contains_hash(uint64_t hash) const;
    bool insert_hash(uint64_t hash);  // true when hash was not in the window
    void erase_hash(uint64_t hash);
    void allocate();

    std::size_t m_capacity;
    std::size_t m_size = 0;
    std::size_t m_oldest = 0;       // ring index of the oldest id
    std::vector<uint64_t> m_ring;   // hashes in arrival order
    std::vector<uint64_t> m_slots;  // open addressing, 0 = empty, at most half full
    std::size_t m_mask = 0;
};

}  // namespace ev
