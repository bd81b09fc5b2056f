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

void Grouper::leave(Member& member, std::string_view new_key) {
    Group* g = member.group;
    auto it = std::find(g->members.begin(), g->members.end(), &member);
    if (it != g->members.end()) {
        g->members.erase(it);
    }
    // Resolved in its old group, as Alertmanager resolves an alert whose
    // labels changed: the old group's page is closed, not left open.
    std::erase_if(g->left,
                  [&](const NotifiedMember& m) { return m.subject == member.subject && m.name == member.name; });
    g->left.push_back(NotifiedMember{member.subject, member.name, State::ok, {}, {}, 0, std::string(new_key)});
    g->changed = true;
    member.group = nullptr;
}

void Grouper::hold(Group* g, const Position& position) {
    // A group already notified with nothing new has said all there is to say
    // about this event; otherwise its next look covers it.
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
    m.id.assign(id);
    m.line.assign(line);
    m.time = time;
    if (m.group == nullptr || m.group->key != key) {
        if (m.group != nullptr) {
            Group* left = m.group;
            leave(m, key);
            left->left.back().id = m.id;
            left->left.back().line = m.line;
            left->left.back().time = m.time;
            hold(left, position);  // its next notification reports the member resolved there
        }
        m.group = group_for(key, now);
        m.group->members.push_back(&m);
        std::erase_if(m.group->left,
                      [&](const NotifiedMember& l) { return l.subject == m.subject && l.name == m.name; });
        m.group->changed = true;
    } else if (m.state != state) {
        m.group->changed = true;
    }
    m.state = state;
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

bool Grouper::any_firing(const Group& g) const {
    return std::any_of(g.members.begin(), g.members.end(), [](const Member* m) { return m->state != State::ok; });
}

// Alertmanager's DedupStage (notify/dedup_stage.go, needsUpdate), with the
// group's last notification as its notification log entry.
const char* Grouper::decide(Group& g, double now, bool final, std::vector<const Member*>& firing,
                            std::vector<std::string>& firing_set, std::vector<std::string>& resolved_set) {
    for (const Member* m : g.members) {
        if (m->state == State::ok) {
            resolved_set.push_back(m->subject + '\0' + m->name);
        } else if (!m_muter || !m_muter(m->subject, m->name, m->line, now)) {
            firing.push_back(m);
            firing_set.push_back(m->subject + '\0' + m->name + '\0' + std::string(state_name(m->state)));
        }
    }
    for (const NotifiedMember& m : g.left) {
        resolved_set.push_back(m.subject + '\0' + m.name);
    }
    std::sort(firing_set.begin(), firing_set.end());
    std::sort(resolved_set.begin(), resolved_set.end());
    if (firing.empty() && resolved_set.empty()) {
        // Every member muted: Alertmanager's pipeline stops at its mute
        // stage, so nothing is sent and the log stays as it was.
        return nullptr;
    }
    if (!g.notified) {
        // Nothing sent yet (or the last notification resolved everything):
        // only firing members are news.
        return firing.empty() ? nullptr : "new";
    }
    if (!std::includes(g.log_firing.begin(), g.log_firing.end(), firing_set.begin(), firing_set.end())) {
        return "changed";  // a member fires that the last notification did not report so
    }
    if (firing.empty()) {
        // Sent even without send_resolved, to clear the log; notify() then
        // decides whether anyone hears of it.
        return "resolved";
    }
    if (m_timing.send_resolved &&
        !std::includes(g.log_resolved.begin(), g.log_resolved.end(), resolved_set.begin(), resolved_set.end())) {
        return "changed";
    }
    // Strictly more than repeat, as Alertmanager's Timestamp.Before(now - repeat):
    // with ticks every interval, a 4h repeat falls on the tick after 4h.
    if (!final && now - g.last_notify > m_timing.repeat + 1e-9) {
        return "repeat";
    }
    return nullptr;
}

void Grouper::tick(Group& g, double now, bool final, std::vector<Notification>& out) {
    std::vector<const Member*> firing;
    std::vector<std::string> firing_set;
    std::vector<std::string> resolved_set;
    const char* reason = decide(g, now, final, firing, firing_set, resolved_set);
    if (reason != nullptr) {
        bool resolved = std::string_view(reason) == "resolved";
        if (!resolved || m_timing.send_resolved) {
            notify(g, reason, now, firing, out);
        } else {
            release_holds(g);
        }
        g.last_notify = now;
        g.notified = !resolved;
        g.log_firing = std::move(firing_set);
        g.log_resolved = std::move(resolved_set);
    } else {
        release_holds(g);  // nothing to say about the events since the last look
    }
    g.changed = false;
    // Resolved members leave after each look, notified or not, as
    // Alertmanager deletes them after each flush.
    prune_resolved(g);
    if (final || !any_firing(g)) {
        drop(g);
        return;
    }
    schedule(g, now + m_timing.interval);
}

void Grouper::notify(Group& g, const char* reason, double now, const std::vector<const Member*>& firing,
                     std::vector<Notification>& out) {
    Notification n;
    n.key = g.key;
    n.reason = reason;
    n.time = now;
    n.since = g.created;
    n.previous = g.last_state;
    n.firing = firing.size();
    auto add_member = [&n](const NotifiedMember& m) {
        n.state = worst(n.state, m.state);
        n.members.push_back(m);
    };
    for (const Member* m : g.members) {
        // Muted members are left out; resolved ones are reported.
        if (m->state == State::ok || std::find(firing.begin(), firing.end(), m) != firing.end()) {
            add_member(NotifiedMember{m->subject, m->name, m->state, m->id, m->line, m->time, {}});
        }
    }
    for (const NotifiedMember& m : g.left) {
        add_member(m);
    }
    bool same_name = std::all_of(n.members.begin(), n.members.end(),
                                 [&](const NotifiedMember& m) { return m.name == n.members.front().name; });
    n.name = same_name && !n.members.empty() ? n.members.front().name : g.key;
    std::sort(n.members.begin(), n.members.end(), [](const NotifiedMember& a, const NotifiedMember& b) {
        return a.subject != b.subject ? a.subject < b.subject : a.name < b.name;
    });
    for (const auto& [stream, ticket] : g.holds) {
        n.tickets.push_back(ticket);
    }
    g.holds.clear();
    n.number = g.notifications++;
    g.last_state = n.state;
    out.push_back(std::move(n));
}

void Grouper::release_holds(Group& g) {
    for (const auto& [stream, ticket] : g.holds) {
        m_acks->done(ticket);
    }
    g.holds.clear();
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
    g.left.clear();
}

void Grouper::for_each_member(
    const std::function<void(std::string_view, std::string_view, std::string_view, State)>& f) const {
    for (const auto& [identity, m] : m_members) {
        f(m.subject, m.name, m.line, m.state);
    }
}

void Grouper::drop(Group& g) {
    // Dropped without a word (resolved within --wait, or --no-resolve):
    // nothing is owed for the events it held.
    release_holds(g);
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
