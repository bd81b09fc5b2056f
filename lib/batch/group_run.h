// GroupRun, one run of `evbatch group`, and what its files share. The run
// is implemented by noun: group.cpp (options, the event loop, signals,
// counters), group_intake.cpp (events into groups, silence events),
// group_notify.cpp (notifications out: summary alerts, command runs and
// their results) and group_mute.cpp (silences and inhibition, reloaded on
// SIGHUP). Only they include this.
#pragma once

#include <poll.h>

#include <deque>
#include <limits>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "batch/acks.h"
#include "batch/action.h"
#include "batch/group.h"
#include "batch/group_state.h"
#include "batch/grouper.h"
#include "batch/inhibit.h"
#include "batch/key.h"
#include "batch/silences.h"
#include "core/child_set.h"
#include "core/clock.h"
#include "core/input.h"
#include "core/recent_ids.h"
#include "core/self_status.h"
#include "core/source.h"
#include "core/stats.h"

namespace ev::batch::group_detail {

/// A deadline that never comes.
inline constexpr double k_never = std::numeric_limits<double>::infinity();

// The timings and limits, checked once before anything runs.
struct GroupPlan {
    GroupTiming timing;
    ActionPolicy action;
    double drain = 10;
    bool event_time = false;
    std::vector<InhibitRule> inhibit;  // the --inhibit rules (those of --inhibit-rules are read at each load)
};

/// All inhibit rules: the --inhibit ones, then the file's (group_mute.cpp).
Result<Inhibitor> load_inhibitor(const GroupOptions& options, const GroupPlan& plan, const Clock& clock);

// One run of group mode: one event loop over the input's descriptor, the
// command run's, the group timers and the signals. Notifications go out in
// order; with a command, one run at a time while the input waits, so a
// notification's runs never overlap and, on event time, the same input
// gives the same bytes.
class GroupRun {
public:
    GroupRun(const GroupOptions& options, const GroupPlan& plan, GroupKey& key, ManualClock& event_clock,
             const Clock& clock, SilenceSet silences, Inhibitor inhibitor, Input& input, Sink& out, Diagnostics& diag);

    int run();

private:
    // The event loop, signals and counters (group.cpp)
    void take_signals();
    void stop_reading();
    void check_drain();
    void stop_commands(const char* reason, double grace);
    void register_stats();
    void write_stats();
    void write_self(std::string_view line);
    void flush_output();
    void wait();

    // --state FILE (group.cpp)
    Result<void> load_state();
    void save_state(bool now);
    bool input_covered();
    std::vector<FilePosition> positions() const;

    // Reading events into groups (group_intake.cpp)
    void read_input();
    void take_record();
    void take_silence();

    // Notifications: summary alerts, command runs, results (group_notify.cpp)
    void queue_due();
    void send_queued();
    void take_results();
    void set_event_time(const Notification& n);
    void written(const Notification& n);

    // Silences and inhibition (group_mute.cpp)
    void reload();
    bool muted(std::string_view line, double now);

    // Input waits while notifications are due: they go out in order first.
    bool reading() const { return !m_input_done && !m_stopping && m_queue.empty() && !m_current; }

    const GroupOptions& m_options;
    const GroupPlan& m_plan;
    GroupKey& m_key;
    ManualClock& m_event_clock;
    Input& m_input;
    Sink& m_out;
    Diagnostics& m_diag;
    Acks m_acks;
    Grouper m_grouper;
    ChildSet m_children;
    std::string m_name;
    std::string m_command_text;  // command_text of the command, for result ids
    const Clock& m_clock;        // what now() in expressions reads
    SilenceSet m_silences;
    Inhibitor m_inhibitor;
    simdjson::dom::parser m_mute_parser;  // members' latest events, parsed again at a look
    RecentIds m_recent;                   // member events applied lately: a replay is not added twice
    Record m_record;
    std::string m_key_text;
    std::vector<Notification> m_due;
    std::deque<Notification> m_queue;
    std::optional<Notification> m_current;  // the notification whose command runs
    ChildId m_current_id = 0;
    std::vector<pollfd> m_fds;
    double m_now = 0;
    bool m_have_time = false;
    bool m_input_done = false;
    bool m_input_idle = true;
    bool m_stopping = false;
    bool m_flushed = false;
    bool m_skip_commands = false;
    int m_stop_count = 0;
    double m_drain_deadline = k_never;
    std::optional<FileLock> m_state_lock;  // held while the run owns --state
    // With --state on files: where a restart resumes (nullptr: stdin, Kafka).
    FileSource* m_files = nullptr;
    std::vector<int64_t> m_read;      // per stream: offset after the last event taken, -1: none
    std::string m_saved;              // the contents last saved: an unchanged state is not written again
    double m_next_save = 0;           // steady time of the next save on the timer
    double m_last_save = 0;           // steady time of the last save
    bool m_save_after_flush = false;  // a notification went out: save once it is flushed
    bool m_state_failed = false;      // a save failed: exit 4
    std::string m_stop_reason;
    std::size_t m_failures = 0;
    std::size_t m_not_sent = 0;
    Stats m_stats{"evbatch"};
    ReloadStatus m_reload_status{"evbatch"};
};

}  // namespace ev::batch::group_detail
