#include "core/recent_ids.h"

#include <bit>

#include <fmt/format.h>

#include "core/id.h"

namespace ev {

namespace {

constexpr char k_hex[] = "0123456789abcdef";

}  // namespace

RecentIds::RecentIds(std::size_t capacity) : m_capacity(capacity) {}

uint64_t RecentIds::key_of(std::string_view id) {
    // 0 marks an empty slot, so the one id that hashes to 0 is kept as 1.
    uint64_t h = id_hash64(id);
    return h == 0 ? 1 : h;
}

void RecentIds::prefetch(uint64_t key) const {
    if (!m_slots.empty()) {
        __builtin_prefetch(&m_slots[key & m_mask]);
    }
}

void RecentIds::allocate() {
    m_ring.assign(m_capacity, 0);
    // At most half full keeps linear probes short.
    m_slots.assign(std::bit_ceil(m_capacity * 2), 0);
    m_mask = m_slots.size() - 1;
}

bool RecentIds::contains_hash(uint64_t hash) const {
    if (m_slots.empty()) {
        return false;
    }
    for (std::size_t i = hash & m_mask;; i = (i + 1) & m_mask) {
        if (m_slots[i] == hash) {
            return true;
        }
        if (m_slots[i] == 0) {
            return false;
        }
    }
}

bool RecentIds::contains(std::string_view id) const {
    if (id.empty() || m_capacity == 0) {
        return false;
    }
    return contains_hash(key_of(id));
}

void RecentIds::erase_hash(uint64_t hash) {
    std::size_t i = hash & m_mask;
    while (m_slots[i] != hash) {
        i = (i + 1) & m_mask;
    }
    // Backward-shift deletion: move later members of the probe run into the
    // hole when their home slot allows it, so no tombstones accumulate.
    std::size_t hole = i;
    for (std::size_t j = (hole + 1) & m_mask; m_slots[j] != 0; j = (j + 1) & m_mask) {
        std::size_t home = m_slots[j] & m_mask;
        // j may move to hole when home is not cyclically in (hole, j].
        bool stays = hole <= j ? (hole < home && home <= j) : (hole < home || home <= j);
        if (!stays) {
            m_slots[hole] = m_slots[j];
            hole = j;
        }
    }
    m_slots[hole] = 0;
}

bool RecentIds::insert_hash(uint64_t hash) {
    if (m_slots.empty()) {
        allocate();
    }
    if (contains_hash(hash)) {
        return false;
    }
    std::size_t at = 0;
    const bool full = m_size == m_capacity;
    if (full) {
        // Full: the oldest leaves and its ring place takes the new one.
        at = m_oldest;
        erase_hash(m_ring[at]);
        m_oldest = m_oldest + 1 == m_capacity ? 0 : m_oldest + 1;
    } else {
        at = m_oldest + m_size;
        at -= at >= m_capacity ? m_capacity : 0;
        ++m_size;
    }
    m_ring[at] = hash;
    std::size_t i = hash & m_mask;
    while (m_slots[i] != 0) {
        i = (i + 1) & m_mask;
    }
    m_slots[i] = hash;
    if (full) {
        // The next insert erases the id that is now the oldest: its slot,
        // anywhere in a table larger than the caches, is on its way by then.
        __builtin_prefetch(&m_slots[m_ring[m_oldest] & m_mask]);
    }
    return true;
}

bool RecentIds::insert(std::string_view id) {
    if (id.empty() || m_capacity == 0) {
        return false;
    }
    // One probe: the look-up that finds the id absent also finds its slot's run.
    return insert_hash(key_of(id));
}

void RecentIds::encode(std::string& out) const {
    out.reserve(out.size() + m_size * 16);
    for (std::size_t k = 0; k < m_size; ++k) {
        uint64_t h = m_ring[(m_oldest + k) % m_capacity];
        for (int shift = 60; shift >= 0; shift -= 4) {
            out += k_hex[(h >> shift) & 15];
        }
    }
}

Result<void> RecentIds::decode(std::string_view text) {
    if (text.size() % 16 != 0) {
        return make_error(fmt::format("recent ids: {} characters, not a multiple of 16", text.size()));
    }
    std::vector<uint64_t> hashes;
    hashes.reserve(text.size() / 16);
    for (std::size_t at = 0; at < text.size(); at += 16) {
        uint64_t h = 0;
        for (std::size_t k = at; k < at + 16; ++k) {
            char c = text[k];
            int v = c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
            if (v < 0) {
                return make_error(fmt::format("recent ids: '{}' at {} is not a lower-case hex digit", c, k));
            }
            h = (h << 4) | static_cast<uint64_t>(v);
        }
        if (h == 0) {
            return make_error(fmt::format("recent ids: a zero hash at {}", at));
        }
        hashes.push_back(h);
    }
    m_size = 0;
    m_oldest = 0;
    m_ring.clear();
    m_slots.clear();
    if (m_capacity == 0) {
        return {};
    }
    for (uint64_t h : hashes) {
        insert_hash(h);
    }
    return {};
}

}  // namespace ev
