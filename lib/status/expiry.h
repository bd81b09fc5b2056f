// ExpiryQueue: the armed expiry deadlines of the identity table, earliest
// first. On a clock that does not run backwards every status of one ttl
// is armed later than the one before, so each ttl gets a FIFO: arming is an
// append, and a refreshed identity's old item is dropped when it reaches
// the front (its entry no longer has that deadline). Deadlines that arrive
// out of order (a wall clock stepped back, a restored state file, a ttl
// beyond the FIFOs kept) go to a heap beside them.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

namespace ev::status {

struct IdentityEntry;

class ExpiryQueue {
public:
    /// Queues entry for deadline, which its state.deadline already holds.
    void push(IdentityEntry* entry, double deadline, double ttl);

    /// A time at or before the earliest armed deadline, 0 when none is armed.
    double next();

    /// Removes and returns an entry whose deadline is before now (strictly),
    /// the earliest first, ties in subject then name order; nullptr if none.
    /// Its deadline goes to *deadline; the entry's own is left to the caller.
    IdentityEntry* pop_due(double now, double* deadline);

    /// Items queued, stale ones included.
    std::size_t size() const;

    /// Drops the stale items when there are more than twice `armed` of them
    /// (and a few), so memory follows the identities, not the event rate.
    void compact_if_sparse(std::size_t armed);

    /// Forgets everything (the entries are about to go).
    void clear();

    /// Bytes held by the queues.
    std::size_t bytes() const;

    /// One queued deadline.
    struct Item {
        double deadline;
        IdentityEntry* entry;
    };

private:
    struct Fifo {
        double ttl = 0;
        std::size_t head = 0;  // items before head are popped
        std::vector<Item> items;
        bool empty() const { return head == items.size(); }
        const Item& front() const { return items[head]; }
        void push(Item item);
        void pop();
        void drop_popped();
    };
    static bool stale(const Item& item);
    Fifo* fifo_for(double ttl, double deadline);
    bool earliest(double* deadline);
    void gather(double deadline);
    void heap_push(Item item);
    void heap_pop();
    void drop_stale_fronts();

    // A handful of ttls is the norm; a stream with many gets the heap for
    // the rest rather than a scan of hundreds of FIFOs per event.
    static constexpr std::size_t k_max_fifos = 16;
    std::vector<Fifo> m_fifos;
    std::size_t m_last_fifo = 0;  // the one used last (most statuses share a ttl)
    std::vector<Item> m_heap;     // binary min-heap on deadline
    // Items of one deadline, sorted so that the back is the next to go.
    std::vector<Item> m_ready;
    std::size_t m_size = 0;
};

}  // namespace ev::status
