#include "nagios/schedule.h"

#include <algorithm>
#include <cmath>
#include <map>

namespace ev::nagios {

namespace {

std::shared_ptr<Slot> make_slot(const CheckDef& def, const CheckDefaults& defaults, double now) {
    auto slot = std::make_shared<Slot>();
    slot->def = def;
    slot->interval = def.interval;
    slot->retry = def.retry.value_or(def.interval);
    slot->timeout_state = def.timeout_state.value_or(defaults.timeout_state);
    slot->command.argv = def.argv;
    slot->command.timeout = def.timeout.value_or(defaults.timeout);
    slot->command.max_output = def.max_output.value_or(defaults.max_output);
    slot->info.name = def.name;
    slot->info.subject = def.subject.value_or(defaults.subject);
    for (const auto& [k, v] : defaults.tags) {
        slot->info.tags.set(k, v);
    }
    for (const auto& [k, v] : def.tags) {
        slot->info.tags.set(k, v);
    }
    slot->info.ttl = def.ttl.value_or(2 * def.interval + slot->command.timeout);
    if (*slot->info.ttl == 0) {
        slot->info.ttl.reset();
    }
    slot->next_due = defaults.splay ? now + splay_fraction(def.name) * def.interval : now;
    slot->scheduled = slot->next_due;
    return slot;
}

}  // namespace

double splay_fraction(const std::string& name) {
    uint64_t h = 1469598103934665603ULL;  // FNV-1a
    for (unsigned char c : name) {
        h ^= c;
        h *= 1099511628211ULL;
    }
    h ^= h >> 33;
    return static_cast<double>(h >> 11) / static_cast<double>(uint64_t{1} << 53);
}

void Schedule::load(const std::vector<CheckDef>& defs, const CheckDefaults& defaults, double now) {
    std::map<std::string, std::shared_ptr<Slot>> old;
    for (auto& slot : m_slots) {
        old.emplace(slot->def.name, slot);
    }
    m_changes = {};
    std::vector<std::shared_ptr<Slot>> slots;
    for (const CheckDef& def : defs) {
        auto it = old.find(def.name);
        if (it != old.end() && it->second->def.same_as(def)) {
            it->second->def.line = def.line;
            slots.push_back(it->second);
            old.erase(it);
            ++m_changes.kept;
        } else {
            slots.push_back(make_slot(def, defaults, now));
            if (it != old.end()) {
                old.erase(it);
                ++m_changes.changed;
            } else {
                ++m_changes.added;
            }
        }
    }
    m_changes.removed = old.size();
    m_slots = std::move(slots);
}

std::vector<Slot*> Schedule::due(double now, std::size_t limit) const {
    std::vector<Slot*> out;
    for (const auto& slot : m_slots) {
        if (!slot->running && slot->next_due <= now) {
            out.push_back(slot.get());
        }
    }
    auto earlier = [](const Slot* a, const Slot* b) {
        return a->next_due < b->next_due || (a->next_due == b->next_due && a->def.line < b->def.line);
    };
    // Under overload most slots are due; only the few that fit are ordered.
    if (out.size() > limit) {
        std::partial_sort(out.begin(), out.begin() + static_cast<std::ptrdiff_t>(limit), out.end(), earlier);
        out.resize(limit);
    } else {
        std::sort(out.begin(), out.end(), earlier);
    }
    return out;
}

std::size_t Schedule::count_due(double now) const {
    std::size_t n = 0;
    for (const auto& slot : m_slots) {
        n += !slot->running && slot->next_due <= now;
    }
    return n;
}

void Schedule::started(Slot& slot) {
    slot.running = true;
    slot.scheduled = slot.next_due;
    slot.next_due = std::numeric_limits<double>::infinity();
}

void Schedule::completed(Slot& slot, State state, double now) {
    slot.running = false;
    slot.last_state = state;
    double step = state == State::ok ? slot.interval : slot.retry;
    double next = slot.scheduled + step;
    if (next <= now) {
        next += std::ceil((now - next) / step) * step;
        if (next <= now) {
            next += step;
        }
    }
    slot.next_due = next;
}

double Schedule::next_due() const {
    double next = std::numeric_limits<double>::infinity();
    for (const auto& slot : m_slots) {
        if (!slot->running) {
            next = std::min(next, slot->next_due);
        }
    }
    return next;
}

}  // namespace ev::nagios
