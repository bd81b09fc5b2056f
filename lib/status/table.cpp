#include "status/table.h"

#include <algorithm>
#include <cstring>

namespace ev::status {

void make_key(std::string_view subject, std::string_view name, std::string& out) {
    auto n = static_cast<uint32_t>(subject.size());
    out.resize(4);
    std::memcpy(out.data(), &n, 4);
    out.append(subject);
    out.append(name);
}

std::string_view key_subject(std::string_view key) {
    uint32_t n = 0;
    std::memcpy(&n, key.data(), 4);
    return key.substr(4, n);
}

std::string_view key_name(std::string_view key) {
    uint32_t n = 0;
    std::memcpy(&n, key.data(), 4);
    return key.substr(4 + n);
}

IdentityEntry* IdentityTable::find(std::string_view subject, std::string_view name) {
    make_key(subject, name, m_key);
    auto it = m_map.find(std::string_view(m_key));
    return it == m_map.end() ? nullptr : &*it;
}

IdentityEntry& IdentityTable::get(std::string_view subject, std::string_view name, const IdentityState& fresh,
                                  bool& inserted) {
    make_key(subject, name, m_key);
    auto it = m_map.find(std::string_view(m_key));
    inserted = it == m_map.end();
    if (inserted) {
        it = m_map.emplace(m_key, fresh).first;
        if (fresh.deadline > 0) {
            it->second.deadline = 0;
            arm(*it, fresh.deadline);
        }
    }
    return *it;
}

bool IdentityTable::later(const Queued& a, const Queued& b) {
    if (a.deadline != b.deadline) {
        return a.deadline > b.deadline;
    }
    std::string_view sa = key_subject(a.entry->first);
    std::string_view sb = key_subject(b.entry->first);
    if (sa != sb) {
        return sa > sb;
    }
    return key_name(a.entry->first) > key_name(b.entry->first);
}

void IdentityTable::arm(IdentityEntry& entry, double deadline) {
    double& current = entry.second.deadline;
    const double old = current;
    if (old > 0) {
        --m_armed;
    }
    current = deadline > 0 ? deadline : 0;
    if (current == 0) {
        return;
    }
    ++m_armed;
    // Every armed entry has a queue item at or before its deadline. A refresh
    // that moves the deadline later (the common case) needs no new item: the
    // old one is re-queued with the new deadline when it reaches the top.
    if (old > 0 && deadline >= old) {
        return;
    }
    if (m_queue.size() > 2 * m_armed + 1024) {
        rebuild_queue();
        return;
    }
    m_queue.push_back({deadline, &entry});
    std::push_heap(m_queue.begin(), m_queue.end(), later);
}

void IdentityTable::rebuild_queue() {
    m_queue.clear();
    for (auto& entry : m_map) {
        if (entry.second.deadline > 0) {
            m_queue.push_back({entry.second.deadline, &entry});
        }
    }
    std::make_heap(m_queue.begin(), m_queue.end(), later);
}

void IdentityTable::requeue_top() {
    Queued top = m_queue.front();
    std::pop_heap(m_queue.begin(), m_queue.end(), later);
    m_queue.pop_back();
    double deadline = top.entry->second.deadline;
    if (deadline > top.deadline) {
        // Refreshed since it was queued: queue it again at its deadline.
        m_queue.push_back({deadline, top.entry});
        std::push_heap(m_queue.begin(), m_queue.end(), later);
    }
}

double IdentityTable::next_deadline() {
    // Items of disarmed entries go; a refreshed one may stay early, so this
    // is a lower bound: waking then finds nothing due and asks again.
    while (!m_queue.empty() && m_queue.front().entry->second.deadline == 0) {
        requeue_top();
    }
    return m_queue.empty() ? 0 : m_queue.front().deadline;
}

IdentityEntry* IdentityTable::pop_expired(double now, double* deadline) {
    // Only items already due are looked at: a refreshed entry is re-queued
    // once per expiry period at most, not once per refresh.
    while (!m_queue.empty() && m_queue.front().deadline < now) {
        const Queued& top = m_queue.front();
        if (top.entry->second.deadline != top.deadline) {
            requeue_top();
            continue;
        }
        IdentityEntry* entry = top.entry;
        *deadline = top.deadline;
        std::pop_heap(m_queue.begin(), m_queue.end(), later);
        m_queue.pop_back();
        entry->second.deadline = 0;
        --m_armed;
        return entry;
    }
    return nullptr;
}

std::vector<const IdentityEntry*> IdentityTable::sorted() const {
    std::vector<const IdentityEntry*> out;
    out.reserve(m_map.size());
    for (const auto& entry : m_map) {
        out.push_back(&entry);
    }
    std::sort(out.begin(), out.end(), [](const IdentityEntry* a, const IdentityEntry* b) {
        std::string_view sa = key_subject(a->first);
        std::string_view sb = key_subject(b->first);
        if (sa != sb) {
            return sa < sb;
        }
        return key_name(a->first) < key_name(b->first);
    });
    return out;
}

namespace {

// What malloc really takes for a request of n bytes (glibc: 8 bytes of
// header, rounded up to 16, at least 32).
std::size_t malloc_size(std::size_t n) { return std::max<std::size_t>(32, (n + 8 + 15) & ~std::size_t{15}); }

// A std::string keeps up to 15 bytes inside itself; longer ones allocate.
constexpr std::size_t k_sso = 15;

}  // namespace

std::size_t IdentityTable::bytes_overhead() const {
    // libstdc++ node: next pointer, the value, the cached hash.
    std::size_t node = sizeof(void*) + sizeof(IdentityEntry) + sizeof(std::size_t);
    std::size_t total = m_map.size() * malloc_size(node);
    total += m_map.bucket_count() * sizeof(void*);
    total += m_queue.capacity() * sizeof(Queued);
    for (const auto& entry : m_map) {
        // The 4-byte length prefix, the terminating NUL and malloc's rounding
        // are overhead; the subject and name bytes are counted as strings.
        if (entry.first.size() > k_sso) {
            total += malloc_size(entry.first.size() + 1) - (entry.first.size() - 4);
        }
    }
    return total;
}

std::size_t IdentityTable::bytes_strings() const {
    std::size_t total = 0;
    for (const auto& entry : m_map) {
        total += entry.first.size() - 4;
    }
    return total;
}

}  // namespace ev::status
