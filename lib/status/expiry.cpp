#include "status/expiry.h"

#include <algorithm>

#include "status/table.h"

namespace ev::status {

namespace {

// The heap's order: std's heaps put the greatest first.
bool later_deadline(const ExpiryQueue::Item& a, const ExpiryQueue::Item& b) {
    return a.deadline > b.deadline;
}

}  // namespace

void ExpiryQueue::Fifo::pop() {
    ++head;
    // The popped prefix goes once it is half the vector: amortized O(1).
    if (head >= 4096 && 2 * head >= items.size()) {
        drop_popped();
    }
}

void ExpiryQueue::Fifo::push(Item item) {
    // A full vector with a popped prefix makes room in place rather than
    // growing (growing copies, and peak memory is then old plus new).
    if (items.size() == items.capacity() && head > 0) {
        drop_popped();
    }
    items.push_back(item);
}

void ExpiryQueue::Fifo::drop_popped() {
    items.erase(items.begin(), items.begin() + static_cast<std::ptrdiff_t>(head));
    head = 0;
}

bool ExpiryQueue::stale(const Item& item) {
    // A refreshed or disarmed entry no longer has this deadline (the table
    // queues an entry again only when its deadline changes).
    return item.entry->state.deadline != item.deadline;
}

ExpiryQueue::Fifo* ExpiryQueue::fifo_for(double ttl, double deadline) {
    std::size_t i = m_last_fifo;
    if (i >= m_fifos.size() || m_fifos[i].ttl != ttl) {
        i = 0;
        while (i < m_fifos.size() && m_fifos[i].ttl != ttl) {
            ++i;
        }
        if (i == m_fifos.size()) {
            if (m_fifos.size() == k_max_fifos) {
                return nullptr;
            }
            m_fifos.push_back(Fifo{ttl, 0, {}});
        }
        m_last_fifo = i;
    }
    Fifo& fifo = m_fifos[i];
    if (!fifo.empty() && fifo.items.back().deadline > deadline) {
        return nullptr;  // out of order: the clock went back, or a restore
    }
    return &fifo;
}

void ExpiryQueue::push(IdentityEntry* entry, double deadline, double ttl) {
    ++m_size;
    if (Fifo* fifo = fifo_for(ttl, deadline)) {
        fifo->push({deadline, entry});
    } else {
        heap_push({deadline, entry});
    }
}

void ExpiryQueue::heap_push(Item item) {
    m_heap.push_back(item);
    std::push_heap(m_heap.begin(), m_heap.end(), later_deadline);
}

void ExpiryQueue::heap_pop() {
    std::pop_heap(m_heap.begin(), m_heap.end(), later_deadline);
    m_heap.pop_back();
}

void ExpiryQueue::drop_stale_fronts() {
    for (Fifo& fifo : m_fifos) {
        while (!fifo.empty()) {
            // The entries a few items on are needed soon: ask for them now
            // (the FIFO is read in order, the entries lie anywhere).
            if (std::size_t ahead = fifo.head + 16; ahead < fifo.items.size()) {
                prefetch(&fifo.items[ahead].entry->state.deadline);
            }
            if (!stale(fifo.front())) {
                break;
            }
            fifo.pop();
            --m_size;
        }
    }
    while (!m_heap.empty() && stale(m_heap.front())) {
        heap_pop();
        --m_size;
    }
    while (!m_ready.empty() && stale(m_ready.back())) {
        m_ready.pop_back();
        --m_size;
    }
}

bool ExpiryQueue::earliest(double* deadline) {
    drop_stale_fronts();
    bool found = false;
    auto consider = [&](double d) {
        if (!found || d < *deadline) {
            *deadline = d;
            found = true;
        }
    };
    for (const Fifo& fifo : m_fifos) {
        if (!fifo.empty()) {
            consider(fifo.front().deadline);
        }
    }
    if (!m_heap.empty()) {
        consider(m_heap.front().deadline);
    }
    if (!m_ready.empty()) {
        consider(m_ready.back().deadline);
    }
    return found;
}

// Moves every queued item of this deadline into m_ready, in subject then
// name order (the back first).
void ExpiryQueue::gather(double deadline) {
    for (Fifo& fifo : m_fifos) {
        while (!fifo.empty() && fifo.front().deadline == deadline) {
            m_ready.push_back(fifo.front());
            fifo.pop();
        }
    }
    while (!m_heap.empty() && m_heap.front().deadline == deadline) {
        m_ready.push_back(m_heap.front());
        heap_pop();
    }
    std::sort(m_ready.begin(), m_ready.end(), [](const Item& a, const Item& b) {
        if (a.deadline != b.deadline) {
            return a.deadline > b.deadline;
        }
        if (a.entry->subject() != b.entry->subject()) {
            return a.entry->subject() > b.entry->subject();
        }
        return a.entry->name() > b.entry->name();
    });
}

double ExpiryQueue::next() {
    double deadline = 0;
    return earliest(&deadline) ? deadline : 0;
}

IdentityEntry* ExpiryQueue::pop_due(double now, double* deadline) {
    double earliest_deadline = 0;
    if (!earliest(&earliest_deadline) || !(earliest_deadline < now)) {
        return nullptr;
    }
    if (m_ready.empty() || m_ready.back().deadline != earliest_deadline) {
        gather(earliest_deadline);
    }
    // gather() may have taken stale items along; the valid one is found.
    while (!m_ready.empty()) {
        Item item = m_ready.back();
        m_ready.pop_back();
        --m_size;
        if (!stale(item)) {
            *deadline = item.deadline;
            return item.entry;
        }
    }
    return nullptr;
}

std::size_t ExpiryQueue::size() const {
    return m_size;
}

void ExpiryQueue::compact_if_sparse(std::size_t armed) {
    if (m_size <= 2 * armed + 1024) {
        return;
    }
    // In place: no second vector, so the peak memory is what is held.
    auto keep = [](std::vector<Item>& items, std::size_t from) {
        std::size_t kept = 0;
        for (std::size_t i = from; i < items.size(); ++i) {
            if (i + 16 < items.size()) {
                prefetch(&items[i + 16].entry->state.deadline);
            }
            if (!stale(items[i])) {
                items[kept++] = items[i];
            }
        }
        items.resize(kept);
        return kept;
    };
    m_size = 0;
    for (Fifo& fifo : m_fifos) {
        m_size += keep(fifo.items, fifo.head);
        fifo.head = 0;
    }
    m_size += keep(m_heap, 0);
    std::make_heap(m_heap.begin(), m_heap.end(), later_deadline);
    m_size += keep(m_ready, 0);  // still in order
}

void ExpiryQueue::clear() {
    m_fifos.clear();
    m_last_fifo = 0;
    m_heap.clear();
    m_ready.clear();
    m_size = 0;
}

std::size_t ExpiryQueue::bytes() const {
    std::size_t total = (m_heap.capacity() + m_ready.capacity()) * sizeof(Item) + m_fifos.capacity() * sizeof(Fifo);
    for (const Fifo& fifo : m_fifos) {
        total += fifo.items.capacity() * sizeof(Item);
    }
    return total;
}

}  // namespace ev::status
