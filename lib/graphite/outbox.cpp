#include "graphite/outbox.h"

#include <algorithm>

namespace ev::graphite {

namespace {

// Memory items are cut at this size, so acknowledgements free memory in
// steps and a broken connection re-sends little more than it must.
constexpr std::size_t k_item_bytes = std::size_t{1} << 17;

}  // namespace

Outbox::Outbox(std::size_t memory_limit, Spool* spool) : m_limit(memory_limit), m_spool(spool) {}

void Outbox::adopt_spool() {
    if (m_spool == nullptr) {
        return;
    }
    for (auto it = m_spool->found().rbegin(); it != m_spool->found().rend(); ++it) {
        Item item;
        item.seq = it->seq;
        item.count = it->lines;
        item.loaded = false;
        m_pending += it->lines;
        m_items.push_front(std::move(item));
        m_max_seq = std::max(m_max_seq, it->seq);
    }
}

void Outbox::push(std::string_view lines, uint64_t count, uint64_t input) {
    bool extend = !m_items.empty() && m_items.size() - 1 >= m_next && m_items.back().seq == 0 &&
                  m_items.back().data.size() < k_item_bytes;
    if (!extend) {
        m_items.emplace_back();
        m_items.back().data.reserve(std::min(k_item_bytes + 256, std::max<std::size_t>(lines.size(), 4096)));
        m_items.back().first_input = input;
    }
    Item& item = m_items.back();
    item.data.append(lines);
    item.count += count;
    m_memory += lines.size();
    m_pending += count;
    m_counters.queued += count;
}

std::string_view Outbox::next_bytes(std::string& error) {
    while (m_next < m_items.size()) {
        Item& item = m_items[m_next];
        if (!item.loaded) {
            auto data = m_spool->read(item.seq);
            if (!data) {
                // Skipping keeps the rest flowing; the segment stays on disk
                // (set aside as .bad when it failed its check).
                error = data.error();
                m_pending -= item.count;
                m_items.erase(m_items.begin() + static_cast<std::ptrdiff_t>(m_next));
                continue;
            }
            item.data = std::move(data).value();
            item.loaded = true;
            // The spool checked the count against the segment's header.
            m_counters.replayed += item.count;
            m_memory += item.data.size();
        }
        if (m_offset < item.data.size()) {
            return std::string_view(item.data).substr(m_offset);
        }
        // An empty segment: nothing to write, mark it written.
        written(0, item.written_at);
    }
    return {};
}

uint64_t Outbox::first_not_durable() const {
    // Items are in input order; the first held only in memory is the first
    // not durable (spooled items before it are on disk, delivered ones gone).
    for (const Item& item : m_items) {
        if (item.seq == 0) {
            return item.first_input;
        }
    }
    return UINT64_MAX;
}

uint64_t Outbox::unspooled() const {
    uint64_t lines = 0;
    for (const Item& item : m_items) {
        lines += item.seq == 0 ? item.count : 0;
    }
    return lines;
}

void Outbox::written(std::size_t n, double now) {
    Item& item = m_items[m_next];
    m_offset += n;
    m_stream += n;
    if (m_offset >= item.data.size()) {
        item.stream_end = m_stream;
        item.written_at = now;
        ++m_next;
        m_offset = 0;
    }
}

void Outbox::acknowledged(uint64_t stream_bytes, double now, double keep) {
    for (; m_acked < m_next && m_items[m_acked].stream_end <= stream_bytes; ++m_acked) {
        m_items[m_acked].acked = true;
    }
    while (m_next > 0) {
        Item& item = m_items.front();
        if (item.stream_end > stream_bytes) {
            break;
        }
        if (now - item.written_at < keep && m_memory <= m_limit) {
            break;
        }
        drop_front();
    }
}

void Outbox::drop_front() {
    Item& item = m_items.front();
    m_counters.delivered += item.count;
    m_pending -= item.count;
    m_memory -= item.data.size();
    if (item.seq != 0) {
        m_spool->remove(item.seq);
    }
    m_items.pop_front();
    m_next -= m_next > 0 ? 1 : 0;
    m_acked -= m_acked > 0 ? 1 : 0;
}

void Outbox::rewind(bool resend_acknowledged) {
    if (!resend_acknowledged) {
        while (m_next > 0 && m_items.front().acked) {
            drop_front();
        }
    }
    for (std::size_t i = 0; i < m_next; ++i) {
        m_counters.resent += m_items[i].count;
    }
    m_next = 0;
    m_offset = 0;
    m_stream = 0;
    m_acked = 0;
}

uint64_t Outbox::seq_between(std::size_t index) const {
    uint64_t before = 0;
    uint64_t after = 0;
    for (std::size_t i = index; i-- > 0;) {
        if (m_items[i].seq != 0) {
            before = m_items[i].seq;
            break;
        }
    }
    for (std::size_t i = index + 1; i < m_items.size(); ++i) {
        if (m_items[i].seq != 0) {
            after = m_items[i].seq;
            break;
        }
    }
    if (after == 0) {
        uint64_t base = std::max(before, m_max_seq);
        return base == 0 ? Spool::k_first : base + Spool::k_stride;
    }
    if (before == 0) {
        return after > Spool::k_stride ? after - Spool::k_stride : 0;
    }
    uint64_t middle = before + (after - before) / 2;
    return middle == before ? 0 : middle;
}

Result<void> Outbox::spill(bool everything) {
    if (m_spool == nullptr) {
        return make_error("no spool");
    }
    if (everything) {
        rewind(true);
    }
    // Items from here on have not been written (a partly written one stays:
    // the connection may still finish it).
    std::size_t from = everything ? 0 : m_next + (m_offset > 0 ? 1 : 0);
    std::size_t i = from;
    while (i < m_items.size()) {
        Item& item = m_items[i];
        if (item.seq != 0) {
            if (item.loaded && !everything) {
                // Its lines are on disk already: free the memory.
                m_memory -= item.data.size();
                item.data.clear();
                item.data.shrink_to_fit();
                item.loaded = false;
            }
            ++i;
            continue;
        }
        // The run of memory items starting here becomes one segment, written
        // from the items in place: copying them together first would double
        // the memory just when it is short (and at exit).
        std::size_t end = i + 1;
        while (end < m_items.size() && m_items[end].seq == 0) {
            ++end;
        }
        uint64_t seq = seq_between(i);
        if (seq == 0) {
            return make_error("no room between spool segments");
        }
        m_pieces.clear();
        uint64_t count = 0;
        std::size_t bytes = 0;
        for (std::size_t k = i; k < end; ++k) {
            m_pieces.push_back(m_items[k].data);
            count += m_items[k].count;
            bytes += m_items[k].data.size();
        }
        if (auto wrote = m_spool->write(seq, m_pieces); !wrote) {
            return wrote;
        }
        m_max_seq = std::max(m_max_seq, seq);
        m_counters.spooled += count;
        m_memory -= bytes;
        m_items.erase(m_items.begin() + static_cast<std::ptrdiff_t>(i + 1),
                      m_items.begin() + static_cast<std::ptrdiff_t>(end));
        Item& segment = m_items[i];
        segment.count = count;
        segment.seq = seq;
        segment.data.clear();
        segment.data.shrink_to_fit();
        segment.loaded = false;
        ++i;
    }
    return {};
}

}  // namespace ev::graphite
