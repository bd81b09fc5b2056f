// Schedule: when each check runs next. Pure bookkeeping on times passed in,
// so the scheduler's rules are tested with fake time.
#pragma once

#include <cstdint>
#include <limits>
#include <memory>
#include <string>
#include <vector>

#include "core/state.h"
#include "nagios/config.h"
#include "nagios/event.h"
#include "nagios/runner.h"

namespace ev::nagios {

/// Settings the command line gives every check that does not set its own.
struct CheckDefaults {
    double timeout = 60;
    std::size_t max_output = 8192;
    State timeout_state = State::critical;
    std::string subject;  ///< default subject (the FQDN)
    std::vector<std::pair<std::string, std::string>> tags;
    bool splay = true;  ///< spread first runs over the interval
};

/// One scheduled check and its run-time state.
struct Slot : std::enable_shared_from_this<Slot> {
    CheckDef def;
    CheckInfo info;  ///< identity and labels its events carry
    Command command;
    double interval = 0;  ///< while ok
    double retry = 0;     ///< while not ok
    State timeout_state = State::critical;
    double next_due = 0;   ///< infinity while running
    double scheduled = 0;  ///< the due time of the run in progress or last started
    bool running = false;
    State last_state = State::ok;
    bool perf_warned = false;  ///< malformed perfdata was reported once already
};

/// The set of scheduled checks.
class Schedule {
public:
    /// Replaces the check list at time now: checks whose definition is the
    /// same keep their slot (schedule and state); new and changed ones get a
    /// fresh slot, first due within one interval (splayed by name).
    void load(const std::vector<CheckDef>& defs, const CheckDefaults& defaults, double now);

    /// Slots due at now and not running, earliest due first; at most limit of them.
    std::vector<Slot*> due(double now, std::size_t limit = SIZE_MAX) const;

    /// How many slots are due at now and not running.
    std::size_t count_due(double now) const;

    /// Marks slot as started at now.
    static void started(Slot& slot);

    /// Records a finished run: the next run comes one interval (retry interval
    /// when not ok) after the previous due time, skipping times already past.
    static void completed(Slot& slot, State state, double now);

    /// The earliest due time of a slot that is not running (infinity if none).
    double next_due() const;

    /// Every scheduled check, in config order.
    const std::vector<std::shared_ptr<Slot>>& slots() const { return m_slots; }

    /// How many checks the last load() kept, restarted changed, added and dropped.
    struct Changes {
        std::size_t kept = 0;
        std::size_t changed = 0;
        std::size_t added = 0;
        std::size_t removed = 0;
    };
    const Changes& last_changes() const { return m_changes; }

private:
    std::vector<std::shared_ptr<Slot>> m_slots;
    Changes m_changes;
};

/// Fraction in [0, 1) fixed for a name: where in its interval a check first runs.
double splay_fraction(const std::string& name);

}  // namespace ev::nagios
