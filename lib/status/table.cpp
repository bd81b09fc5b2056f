#include "status/table.h"

#include <algorithm>
#include <cstring>
#include <functional>
#include <new>

namespace ev::status {

IdentityTable::~IdentityTable() {
    for (Slot& slot : m_slots) {
        if (slot.entry != nullptr) {
            free_entry(slot.entry);
        }
    }
}

IdentityTable::IdentityTable(IdentityTable&& other) noexcept
    : m_slots(std::move(other.m_slots)),
      m_size(other.m_size),
      m_expiry(std::move(other.m_expiry)),
      m_armed(other.m_armed),
      m_tags(std::move(other.m_tags)) {
    other.m_slots.clear();
    other.m_size = 0;
    other.m_armed = 0;
    other.m_tags.clear();
}

void IdentityTable::free_entry(IdentityEntry* entry) {
    release_tags(entry->tags);
    ::operator delete(entry->message);
    entry->~IdentityEntry();
    ::operator delete(entry);
}

void IdentityTable::release_tags(const TagSet* tags) {
    if (tags == nullptr) {
        return;
    }
    auto* set = const_cast<TagSet*>(tags);
    if (--set->refs == 0) {
        m_tags.erase(set->text());
        set->~TagSet();
        ::operator delete(set);
    }
}

void IdentityTable::set_tags(IdentityEntry& entry, std::string_view text) {
    if (entry.tags != nullptr ? entry.tags->text() == text : text.empty()) {
        return;  // the steady case: the same tags as last time
    }
    const TagSet* next = nullptr;
    if (!text.empty()) {
        if (auto it = m_tags.find(text); it != m_tags.end()) {
            next = it->second;
        } else {
            void* block = ::operator new(sizeof(TagSet) + text.size());
            auto* set = new (block) TagSet;
            set->size = static_cast<uint32_t>(text.size());
            std::memcpy(set + 1, text.data(), text.size());
            m_tags.emplace(set->text(), set);
            next = set;
        }
        ++const_cast<TagSet*>(next)->refs;
    }
    release_tags(entry.tags);
    entry.tags = next;
}

void IdentityTable::set_message(IdentityEntry& entry, std::string_view text) {
    MessageText* m = entry.message;
    if (text.empty()) {
        ::operator delete(m);
        entry.message = nullptr;
        return;
    }
    if (m == nullptr || m->capacity < text.size()) {
        ::operator delete(m);
        // Some room to spare: the next message of a check is often a few
        // bytes longer (another figure in it).
        auto capacity = static_cast<uint32_t>(text.size() + text.size() / 4 + 8);
        void* block = ::operator new(sizeof(MessageText) + capacity);
        m = new (block) MessageText;
        m->capacity = capacity;
        entry.message = m;
    }
    m->size = static_cast<uint32_t>(text.size());
    std::memcpy(m + 1, text.data(), text.size());
}

std::size_t IdentityTable::erase_if(const std::function<bool(const IdentityEntry&)>& pred) {
    std::vector<Slot> old = std::move(m_slots);
    m_slots.assign(old.size(), Slot{});
    std::size_t mask = m_slots.size() - 1;
    std::size_t erased = 0;
    for (const Slot& slot : old) {
        if (slot.entry == nullptr) {
            continue;
        }
        if (pred(*slot.entry)) {
            free_entry(slot.entry);
            ++erased;
            continue;
        }
        std::size_t i = slot.hash & mask;
        while (m_slots[i].entry != nullptr) {
            i = (i + 1) & mask;
        }
        m_slots[i] = slot;
    }
    m_size -= erased;
    // The queue may point at erased entries: build it again from the survivors.
    m_armed = 0;
    for (const Slot& slot : m_slots) {
        if (slot.entry != nullptr && slot.entry->state.deadline > 0) {
            ++m_armed;
        }
    }
    rebuild_queue();
    return erased;
}

uint64_t IdentityTable::hash_of(std::string_view subject, std::string_view name) {
    uint64_t h = std::hash<std::string_view>{}(subject);
    h ^= std::hash<std::string_view>{}(name) + 0x9E3779B97F4A7C15ULL + (h << 6) + (h >> 2);
    // Finalize (splitmix64) so the low bits used for the slot are well mixed.
    h = (h ^ (h >> 30)) * 0xBF58476D1CE4E5B9ULL;
    h = (h ^ (h >> 27)) * 0x94D049BB133111EBULL;
    return h ^ (h >> 31);
}

IdentityTable::Slot* IdentityTable::probe(uint64_t hash, std::string_view subject, std::string_view name) {
    std::size_t mask = m_slots.size() - 1;
    for (std::size_t i = hash & mask;; i = (i + 1) & mask) {
        Slot& slot = m_slots[i];
        if (slot.entry == nullptr) {
            return &slot;
        }
        if (slot.hash == hash && slot.entry->subject() == subject && slot.entry->name() == name) {
            return &slot;
        }
    }
}

void IdentityTable::grow() {
    std::vector<Slot> old = std::move(m_slots);
    m_slots.assign(old.empty() ? 16 : old.size() * 2, Slot{});
    std::size_t mask = m_slots.size() - 1;
    for (const Slot& slot : old) {
        if (slot.entry == nullptr) {
            continue;
        }
        std::size_t i = slot.hash & mask;
        while (m_slots[i].entry != nullptr) {
            i = (i + 1) & mask;
        }
        m_slots[i] = slot;
    }
}

void IdentityTable::reserve(std::size_t n) {
    while (m_slots.size() < 2 * n) {
        grow();
    }
}

IdentityEntry* IdentityTable::find(std::string_view subject, std::string_view name) {
    if (m_slots.empty()) {
        return nullptr;
    }
    return probe(hash_of(subject, name), subject, name)->entry;
}

IdentityEntry& IdentityTable::get(std::string_view subject, std::string_view name, uint64_t hash,
                                  const IdentityState& fresh, bool& inserted) {
    if (2 * (m_size + 1) > m_slots.size()) {
        grow();
    }
    Slot* slot = probe(hash, subject, name);
    inserted = slot->entry == nullptr;
    if (inserted) {
        void* block = ::operator new(sizeof(IdentityEntry) + subject.size() + name.size());
        auto* entry = new (block) IdentityEntry;
        entry->state = fresh;
        entry->state.deadline = 0;
        entry->subject_size = static_cast<uint32_t>(subject.size());
        entry->name_size = static_cast<uint32_t>(name.size());
        char* bytes = reinterpret_cast<char*>(entry + 1);
        std::memcpy(bytes, subject.data(), subject.size());
        std::memcpy(bytes + subject.size(), name.data(), name.size());
        slot->hash = hash;
        slot->entry = entry;
        ++m_size;
        if (fresh.deadline > 0) {
            arm(*entry, fresh.deadline);
        }
    }
    return *slot->entry;
}

void IdentityTable::arm(IdentityEntry& entry, double deadline) {
    double& current = entry.state.deadline;
    const double old = current;
    if (old > 0) {
        --m_armed;
    }
    current = deadline > 0 ? deadline : 0;
    if (current == 0) {
        return;  // its item is stale now and goes when it is reached
    }
    ++m_armed;
    if (current != old) {
        m_expiry.push(&entry, current, entry.state.ttl);
        m_expiry.compact_if_sparse(m_armed);
    }
}

void IdentityTable::rebuild_queue() {
    m_expiry.clear();
    for (const Slot& slot : m_slots) {
        if (slot.entry != nullptr && slot.entry->state.deadline > 0) {
            m_expiry.push(slot.entry, slot.entry->state.deadline, slot.entry->state.ttl);
        }
    }
}

double IdentityTable::next_deadline() {
    return m_expiry.next();
}

IdentityEntry* IdentityTable::pop_expired(double now, double* deadline) {
    IdentityEntry* entry = m_expiry.pop_due(now, deadline);
    if (entry != nullptr) {
        entry->state.deadline = 0;
        --m_armed;
    }
    return entry;
}

std::vector<const IdentityEntry*> IdentityTable::sorted() const {
    std::vector<const IdentityEntry*> out;
    out.reserve(m_size);
    for (const Slot& slot : m_slots) {
        if (slot.entry != nullptr) {
            out.push_back(slot.entry);
        }
    }
    std::sort(out.begin(), out.end(), [](const IdentityEntry* a, const IdentityEntry* b) {
        if (a->subject() != b->subject()) {
            return a->subject() < b->subject();
        }
        return a->name() < b->name();
    });
    return out;
}

namespace {

// What malloc really takes for a request of n bytes (glibc: 8 bytes of
// header, rounded up to 16, at least 32).
std::size_t malloc_size(std::size_t n) {
    return std::max<std::size_t>(32, (n + 8 + 15) & ~std::size_t{15});
}

}  // namespace

std::size_t IdentityTable::bytes_overhead() const {
    std::size_t total = m_slots.capacity() * sizeof(Slot) + m_expiry.bytes();
    for (const Slot& slot : m_slots) {
        if (slot.entry != nullptr) {
            std::size_t strings = slot.entry->subject_size + slot.entry->name_size;
            total += malloc_size(sizeof(IdentityEntry) + strings) - strings;
            if (const MessageText* m = slot.entry->message) {
                total += malloc_size(sizeof(MessageText) + m->capacity) - m->size;
            }
        }
    }
    // Each tag set: its block and its node in the intern map (a hash node
    // of key, value and cached hash, plus a bucket pointer).
    for (const auto& [text, set] : m_tags) {
        total += malloc_size(sizeof(TagSet) + set->size) - set->size + malloc_size(8 + sizeof(text) + 8 + 8) + 8;
    }
    return total;
}

std::size_t IdentityTable::bytes_strings() const {
    std::size_t total = 0;
    for (const Slot& slot : m_slots) {
        if (slot.entry != nullptr) {
            total += slot.entry->subject_size + slot.entry->name_size;
            if (const MessageText* m = slot.entry->message) {
                total += m->size;
            }
        }
    }
    for (const auto& [text, set] : m_tags) {
        total += set->size;
    }
    return total;
}

}  // namespace ev::status
