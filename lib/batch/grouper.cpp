#include "batch/grouper.h"

#include <fmt/format.h>

#include <algorithm>

#include "core/id.h"

namespace ev::batch {

namespace {

// Subjects named in a message before "and N more".
constexpr std::size_t k_message_subjects = 10;

}  // namespace

std::string notification_message(const Notification& n) {
    std::vector<const NotifiedMember*> listed;
    for (const NotifiedMember& m : n.members) {
        if (n.firing == 0 || m.state != State::ok) {
            listed.push_back(&m);
        }
    }
    std::string text =
        fmt::format("{} host{} {} on {}", listed.size(), listed.size() == 1 ? "" : "s", state_label(n.state), n.name);
    for (std::size_t i = 0; i < listed.size() && i < k_message_subjects; ++i) {
        text += i == 0 ? ": " : ", ";
        text += listed[i]->subject;
    }
    if (listed.size() > k_message_subjects) {
        text += fmt::format(" and {} more", listed.size() - k_message_subjects);
    }
    return text;
}

std::string notification_id(const Notification& n, std::string_view command) {
    // The members in their sorted order, each field after its length.
    std::string members;
    auto put = [&members](std::string_view field) {
        members += fmt::format("{}:", field.size());
        members += field;
    };
    double time = 0;
    for (const NotifiedMember& m : n.members) {
        put(m.subject);
        put(m.name);
        put(state_name(m.state));
        put(m.id.empty() ? "l" : "i");
        put(m.id.empty() ? std::string_view(m.line) : std::string_view(m.id));
        time = std::max(time, m.time);
    }
    std::string what = "group ";
    what += n.reason;
    what += ' ';
    what += n.key;
    if (!command.empty()) {
        what += " result of ";
        what += command;
    }
    Derivation d;
    d.cause_line = members;
    d.time = time;
    d.tool = "evbatch";
    d.what = what;
    d.sequence = n.number;
    return derived_id(d);
}

Grouper::Grouper(GroupTiming timing) : m_timing(timing) {}

Grouper::~Grouper() = default;

Grouper::Group* Grouper::group_for(std::string_view key, double now) {
    auto it = m_groups.find(key);
    if (it != m_groups.end()) {
        return it->second.get();
    }
    auto group = std::make_unique<Group>();
    group->key = std::string(key);
    group->created = now;
    Group* g = group.get();
    m_groups.emplace(group->key, std::move(group));
    schedule(*g, now + m_timing.wait);
    return g;
}

void Grouper::schedule(Group& group, double due) {
    m_timers.push(Timer{due, m_seq++, &group});
}

void Grouper::leave(Member& member) {
    Group* g = member.group;
    auto it = std::find(g->members.begin(), g->members.end(), &member);
    if (it != g->members.end()) {
        g->members.erase(it);
    }
    g->changed = true;
    member.group = nullptr;
}

void Grouper::hold(Group* g, const Position& position) {
    // A group already notified with nothing new has said all there is to say
    // about this event; otherwise its next notification covers it.
    if (m_acks == nullptr || position.offset < 0 || g == nullptr || (g->notified && !g->changed)) {
        return;
    }
    for (const auto& [stream, ticket] : g->holds) {
        if (stream == position.stream) {
            return;  // an earlier ticket of this stream holds the watermark before this event
        }
    }
    g->holds.emplace_back(position.stream, m_acks->begin(position));
}

void Grouper::add(std::string_view key, std::string_view subject, std::string_view name, State state,
                  std::string_view id, std::string_view line, double now, const Position& position, double time) {
    m_identity.assign(subject);
    m_identity.push_back('\0');
    m_identity.append(name);
    auto it = m_members.find(std::string_view(m_identity));
    if (state == State::ok) {
        if (it == m_members.end()) {
            return;
        }
        Member& m = it->second;
        if (m.state != State::ok) {
            m.state = State::ok;
            m.group->changed = true;
        }
        m.id.assign(id);
        m.line.assign(line);
        m.time = time;
        hold(m.group, position);
        return;
    }
    if (it == m_members.end()) {
        it = m_members.emplace(m_identity, Member{}).first;
        Member& m = it->second;
        m.subject.assign(subject);
        m.name.assign(name);
    }
    Member& m = it->second;
    if (m.group == nullptr || m.group->key != key) {
        if (m.group != nullptr) {
            Group* left = m.group;
            leave(m);
            hold(left, position);  // its next notification reports the member gone
        }
        m.group = group_for(key, now);
        m.group->members.push_back(&m);
        m.group->changed = true;
    } else if (m.state != state) {
        m.group->changed = true;
    }
    m.state = state;
    m.id.assign(id);
    m.line.assign(line);
    m.time = time;
    hold(m.group, position);
}

std::optional<double> Grouper::next_due() const {
    if (m_timers.empty()) {
        return std::nullopt;
    }
    return m_timers.top().due;
}

void Grouper::advance(double now, std::vector<Notification>& out) {
    while (!m_timers.empty() && m_timers.top().due <= now) {
        Timer t = m_timers.top();
        m_timers.pop();
        tick(*t.group, t.due, false, out);
    }
}

void Grouper::flush(double now, std::vector<Notification>& out) {
    while (!m_timers.empty()) {
        Timer t = m_timers.top();
        m_timers.pop();
        tick(*t.group, now, true, out);
    }
}

void Grouper::tick(Group& g, double now, bool final, std::vector<Notification>& out) {
    std::size_t firing =
        std::count_if(g.members.begin(), g.members.end(), [](const Member* m) { return m->state != State::ok; });
    if (!g.notified) {
        // Resolved within --wait: nobody was paged, so nobody hears of it.
        if (firing == 0) {
            drop(g);
            return;
        }
        notify(g, "new", now, out);
    } else if (g.changed) {
        if (firing == 0) {
            if (m_timing.send_resolved && !g.members.empty()) {
                notify(g, "resolved", now, out);
            }
            drop(g);
            return;
        }
        notify(g, "changed", now, out);
    } else if (!final && now - g.last_notify >= m_timing.repeat - 1e-9) {
        notify(g, "repeat", now, out);
    }
    if (final) {
        drop(g);
        return;
    }
    prune_resolved(g);
    schedule(g, now + m_timing.interval);
}

void Grouper::notify(Group& g, const char* reason, double now, std::vector<Notification>& out) {
    Notification n;
    n.key = g.key;
    n.reason = reason;
    n.time = now;
    n.since = g.created;
    n.previous = g.last_state;
    bool same_name = true;
    for (const Member* m : g.members) {
        if (m->state != State::ok) {
            ++n.firing;
        }
        n.state = worst(n.state, m->state);
        same_name = same_name && m->name == g.members.front()->name;
        n.members.push_back(NotifiedMember{m->subject, m->name, m->state, m->id, m->line, m->time});
    }
    n.name = same_name && !g.members.empty() ? g.members.front()->name : g.key;
    std::sort(n.members.begin(), n.members.end(), [](const NotifiedMember& a, const NotifiedMember& b) {
        return a.subject != b.subject ? a.subject < b.subject : a.name < b.name;
    });
    for (const auto& [stream, ticket] : g.holds) {
        n.tickets.push_back(ticket);
    }
    g.holds.clear();
    n.number = g.notifications++;
    g.notified = true;
    g.changed = false;
    g.last_notify = now;
    g.last_state = n.state;
    out.push_back(std::move(n));
}

void Grouper::prune_resolved(Group& g) {
    std::vector<Member*> kept;
    for (Member* m : g.members) {
        if (m->state == State::ok) {
            m_identity.assign(m->subject);
            m_identity.push_back('\0');
            m_identity.append(m->name);
            m_members.erase(m_members.find(std::string_view(m_identity)));
        } else {
            kept.push_back(m);
        }
    }
    g.members = std::move(kept);
}

void Grouper::drop(Group& g) {
    // Dropped without a word (resolved within --wait, or --no-resolve):
    // nothing is owed for the events it held.
    for (const auto& [stream, ticket] : g.holds) {
        m_acks->done(ticket);
    }
    for (Member* m : g.members) {
        m_identity.assign(m->subject);
        m_identity.push_back('\0');
        m_identity.append(m->name);
        m_members.erase(m_members.find(std::string_view(m_identity)));
    }
    auto it = m_groups.find(std::string_view(g.key));
    m_groups.erase(it);
}

}  // namespace ev::batch
