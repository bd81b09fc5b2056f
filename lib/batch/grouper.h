// Grouper: Alertmanager's grouping state machine over status events. Members
// (identities subject+name) join groups by key; timers decide when a group
// is looked at: wait after creation, then every interval. At each look the
// group compares its firing and resolved members with what it last notified
// (Alertmanager's notification log) and notifies only when that differs, or
// when repeat has passed.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <queue>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include <simdjson.h>

#include "batch/acks.h"
#include "core/result.h"
#include "core/sink.h"
#include "core/state.h"

namespace ev::batch {

/// The group timers in seconds.
struct GroupTiming {
    double wait = 30;
    double interval = 300;
    double repeat = 14400;
    bool send_resolved = true;
};

/// A member as a notification reports it.
struct NotifiedMember {
    std::string subject;
    std::string name;
    State state = State::ok;
    std::string id;        ///< id of the member's latest event; empty when it had none
    std::string line;      ///< the member's latest event, verbatim
    double time = 0;       ///< that event's `time`; 0 when it had none
    std::string moved_to;  ///< a member that left for another group: that group's key (its state here is ok)
};

/// Decides, when a group is looked at (at time now), whether a firing member
/// is muted (silenced or inhibited): a muted member is left out of the
/// group's notifications as if it were not there, but keeps the group alive.
using Muter = std::function<bool(std::string_view subject, std::string_view name, std::string_view line, double now)>;

/// One notification a group sends.
struct Notification {
    std::string key;
    std::string name;                     ///< the members' common name, or the key when they differ
    State state = State::ok;              ///< worst member state
    std::string reason;                   ///< "new", "changed", "repeat" or "resolved"
    double time = 0;                      ///< when it is sent
    double since = 0;                     ///< when the group was created
    std::optional<State> previous;        ///< the state of the group's last notification
    std::size_t firing = 0;               ///< members not ok
    std::vector<NotifiedMember> members;  ///< sorted by subject, then name
    uint64_t number = 0;                  ///< notifications the group sent before this one
    /// Acknowledgement tickets of the events this notification covers (see
    /// Grouper::set_acks): complete them once it is written and flushed.
    std::vector<Acks::Ticket> tickets;
};

/// The message line: "3 hosts CRITICAL on check_puppet_run: web1, web2, web3".
std::string notification_message(const Notification& n);

/// The id of the summary alert of n: derived (ev::derived_id) from the
/// group key, the reason, the members (identity, state, and the id of each
/// one's latest event, or its line when it had none), the number of the
/// notification within its group and, as time part, the latest member
/// event's `time`; never from the clock, so a replay gives the same id.
/// With a command (command_text), the id of the result of running it for n.
std::string notification_id(const Notification& n, std::string_view command = {});

/// Holds every group and its timer; all times come from the caller.
class Grouper {
public:
    explicit Grouper(GroupTiming timing);
    ~Grouper();
    Grouper(const Grouper&) = delete;
    Grouper& operator=(const Grouper&) = delete;

    /// Has groups hold acknowledgement tickets (not owned; nullptr: none):
    /// an added event whose group has changes not yet notified is held by
    /// that group (one ticket per group and stream covers every later event
    /// too), its next notification carries the tickets, and a group that is
    /// dropped without notifying completes them.
    void set_acks(Acks* acks) { m_acks = acks; }

    /// Mutes members at each look (empty: none is muted).
    void set_muter(Muter muter) { m_muter = std::move(muter); }

    /// Records the latest state of identity (subject, name) at time now; a
    /// non-ok state puts it in group key (creating the group), ok marks it
    /// resolved in the group it is in (an unknown identity's ok is ignored).
    /// A member whose key changes is resolved in its old group (reported
    /// there with moved_to) and firing in the new one.
    /// position (offset -1: none) is the event's, for set_acks; time is
    /// its `time` (0: none), for the notification's id.
    void add(std::string_view key, std::string_view subject, std::string_view name, State state, std::string_view id,
             std::string_view line, double now, const Position& position = {}, double time = 0);

    /// The earliest timer, or nothing when there are no groups.
    std::optional<double> next_due() const;

    /// Runs every timer due at or before now, in time order; each
    /// notification carries its timer's time.
    void advance(double now, std::vector<Notification>& out);

    /// End of input: every group with changes not yet sent notifies at now
    /// (a group that never notified and has nothing firing stays silent).
    void flush(double now, std::vector<Notification>& out);

    /// How many groups exist.
    std::size_t groups() const { return m_groups.size(); }

    /// Calls f(subject, name, line, state) for every identity the groups
    /// hold (to re-evaluate what depends on their latest events).
    void for_each_member(
        const std::function<void(std::string_view, std::string_view, std::string_view, State)>& f) const;

    /// Appends the groups as a JSON array (members with their latest
    /// events, the notification log, the timer) for a state file
    /// (grouper_state.cpp). Held acknowledgement tickets are not saved.
    void write_state(std::string& out) const;

    /// Replaces the groups with those of a write_state array; on error
    /// (a malformed array) the groups are left empty and the error says
    /// what was wrong. A timer due before not_before is due at not_before
    /// (the wall clock: it fires once at start, not once per missed interval).
    Result<void> read_state(simdjson::dom::element groups, double not_before = -1e300);

private:
    struct Group;
    struct Member {
        std::string subject;
        std::string name;
        std::string id;
        std::string line;
        double time = 0;
        State state = State::ok;
        Group* group = nullptr;
    };
    struct Group {
        std::string key;
        std::vector<Member*> members;
        std::vector<NotifiedMember> left;       // members that left for another group: resolved here
        bool changed = true;                    // an event changed the group since its last look
        bool notified = false;                  // it has a notification log entry (cleared when all resolved)
        std::vector<std::string> log_firing;    // sorted "subject\0name\0state" of the last notification's firing
        std::vector<std::string> log_resolved;  // sorted "subject\0name" of its resolved members
        double created = 0;
        double last_notify = 0;
        std::optional<State> last_state;
        uint64_t notifications = 0;
        std::vector<std::pair<uint32_t, Acks::Ticket>> holds;  // (stream, ticket): events not notified yet
    };
    struct Timer {
        double due;
        uint64_t seq;
        Group* group;
        bool operator>(const Timer& o) const { return due != o.due ? due > o.due : seq > o.seq; }
    };
    struct Hash {
        using is_transparent = void;
        std::size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
    };
    using MemberMap = std::unordered_map<std::string, Member, Hash, std::equal_to<>>;

    Group* group_for(std::string_view key, double now);
    void leave(Member& member, std::string_view new_key);
    void tick(Group& group, double now, bool final, std::vector<Notification>& out);
    const char* decide(Group& group, double now, bool final, std::vector<const Member*>& firing,
                       std::vector<std::string>& firing_set, std::vector<std::string>& resolved_set);
    void notify(Group& group, const char* reason, double now, const std::vector<const Member*>& firing,
                std::vector<Notification>& out);
    void prune_resolved(Group& group);
    void release_holds(Group& group);
    bool any_firing(const Group& group) const;
    void drop(Group& group);
    void schedule(Group& group, double due);
    void hold(Group* group, const Position& position);

    GroupTiming m_timing;
    MemberMap m_members;
    std::unordered_map<std::string, std::unique_ptr<Group>, Hash, std::equal_to<>> m_groups;
    std::priority_queue<Timer, std::vector<Timer>, std::greater<>> m_timers;
    uint64_t m_seq = 0;
    Acks* m_acks = nullptr;
    Muter m_muter;
    std::string m_identity;  // scratch for the identity key
};

}  // namespace ev::batch
