#include "status/status.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <limits>
#include <optional>

#include <fmt/format.h>

#include "core/ack.h"
#include "core/clock.h"
#include "core/exit_code.h"
#include "core/file_position.h"
#include "core/input.h"
#include "core/notify.h"
#include "core/recent_ids.h"
#include "core/signals.h"
#include "core/source.h"
#include "status/alert.h"
#include "status/engine.h"
#include "status/state_file.h"

namespace ev::status {

namespace {

// Peak resident memory of this process in kB (VmHWM), 0 when unknown.
long peak_rss_kb() {
    std::ifstream in("/proc/self/status");
    std::string line;
    while (std::getline(in, line)) {
        if (line.rfind("VmHWM:", 0) == 0) {
            return std::strtol(line.c_str() + 6, nullptr, 10);
        }
    }
    return 0;
}

class Filter {
public:
    Filter(const Options& options, const Settings& settings, Diagnostics& diag, Input& input, Sink& out)
        : m_options(options),
          m_settings(settings),
          m_diag(diag),
          m_engine(settings.config),
          m_input(input),
          m_out(out),
          m_ack(out, input) {
        if (!m_options.state_path.empty()) {
            // Input is acknowledged only once the state reflecting it is saved.
            m_ack.hold_for_state();
        }
    }

    int run();

private:
    double now_for(const StatusEvent& event);
    void expire(double now);
    void forget_silent(double now, bool now_or_never);
    // cause_line: the cause's line, for an alert id derived from it (valid
    // even for a pending status, whose reader may have moved its bytes).
    void emit(const Decision& decision, const StatusEvent* cause, std::string_view cause_line = {});
    int timeout_ms();
    bool save();
    void maybe_save();
    void print_stats(uint64_t records);
    void register_stats();
    void emit_stats();
    bool finish_pending();
    bool replayed(const StatusEvent& event, uint64_t id_key);
    void handled(const Position& position);
    bool resume(const Snapshot& snapshot);
    std::string positions() const;

    const Options& m_options;
    const Settings& m_settings;
    Diagnostics& m_diag;
    Engine m_engine;
    Input& m_input;
    Sink& m_out;
    SyncAck m_ack;
    std::string m_scratch;
    // The ids of the last statuses applied: a replay of one (Kafka re-reads
    // from the last commit) passes through but changes nothing.
    RecentIds m_recent;
    uint64_t m_replayed = 0;
    // Two records in turn (Input::keep_previous): a status is applied once
    // the next event has been read, so that the next identity's table slot
    // is on its way from memory meanwhile (see finish_pending).
    Record m_records[2];
    StatusEvent m_events[2];
    struct Pending {
        bool active = false;
        int turn = 0;  // which m_records / m_events
        double now = 0;
        uint64_t hash = 0;
        uint64_t id_key = 0;   // RecentIds::key_of its id, 0: none
        uint64_t records = 0;  // events read up to this one
        // The line of a status without an `id`, copied: the reader may move
        // the bytes it handed out once the next line is read.
        std::string line;
    } m_pending;
    // Files resume where the saved state ends (nullptr: not files).
    FileSource* m_files = nullptr;
    std::vector<int64_t> m_applied;  // per stream: offset after the last event handled, -1: none
    double m_event_now = -std::numeric_limits<double>::infinity();
    double m_last_save = 0;
    bool m_save_failed = false;
    // Held for the whole run: `evstatus forget` (or a second evstatus) on
    // the same state file would be overwritten at the next save.
    std::optional<FileLock> m_lock;
    double m_next_forget = 0;  // --forget-after: when the next sweep is due
    Stats m_stats{"evstatus"};
};

double Filter::now_for(const StatusEvent& event) {
    if (m_settings.clock == ClockKind::wall) {
        return wall_clock().now();
    }
    // Event time never runs backwards: a late event is taken at the latest time seen.
    // Before any time is known, a status without one is taken at time 0.
    if (event.time && *event.time > m_event_now) {
        m_event_now = *event.time;
    }
    return std::isfinite(m_event_now) ? m_event_now : 0;
}

void Filter::expire(double now) {
    while (auto decision = m_engine.expire_next(now)) {
        emit(*decision, nullptr);
    }
}

// --forget-after: drops the identities silent for that long whose expiry is
// not pending (an armed deadline: silence is an alert first). The sweep is
// one pass over the table, so it runs once per min(--forget-after, 60 s) of
// the clock, or per tenth of --forget-after when that is longer (a day's
// replay on event time with --forget-after 7d sweeps once, not 1440 times);
// on event time, so a replay forgets the same; with now_or_never, at the end.
void Filter::forget_silent(double now, bool now_or_never) {
    const double after = m_settings.forget_after;
    if (after <= 0 || (!now_or_never && now < m_next_forget)) {
        return;
    }
    m_next_forget = now + std::max(std::min(after, 60.0), after / 10);
    m_engine.table().erase_if(
        [now, after](const IdentityEntry& e) { return e.state.deadline == 0 && now - e.state.seen > after; });
}

void Filter::emit(const Decision& decision, const StatusEvent* cause, std::string_view cause_line) {
    write_alert(decision, cause, m_out.buffer(), m_scratch, cause_line);
    m_out.end_line();
}

int Filter::timeout_ms() {
    double wait = -1;
    if (m_settings.clock == ClockKind::wall) {
        if (double deadline = m_engine.next_deadline(); deadline > 0) {
            // Wake just after the deadline: expiry needs now > deadline.
            wait = std::max(0.0, deadline - wall_clock().now()) + 0.001;
        }
    }
    if (!m_options.state_path.empty()) {
        double due = std::max(0.0, m_last_save + m_settings.save_interval - steady_now());
        wait = wait < 0 ? due : std::min(wait, due);
    }
    if (wait < 0) {
        return -1;
    }
    return static_cast<int>(std::min(std::ceil(wait * 1000.0), 3600.0 * 1000.0));
}

bool Filter::save() {
    if (m_options.state_path.empty()) {
        return true;
    }
    m_last_save = steady_now();
    double time =
        m_settings.clock == ClockKind::event ? (std::isfinite(m_event_now) ? m_event_now : 0) : wall_clock().now();
    std::string bytes;
    encode_state(m_engine.table(), m_settings.clock, time, bytes, &m_recent, positions());
    auto saved = save_state_file(m_options.state_path, bytes);
    if (!saved) {
        m_diag.error(saved.error());
        m_save_failed = true;
        return false;
    }
    (void)m_ack.release();
    return true;
}

void Filter::maybe_save() {
    if (!m_options.state_path.empty() && steady_now() - m_last_save >= m_settings.save_interval) {
        // Alerts raised before the save go out first, so the saved state
        // never claims more than downstream has seen.
        if (m_ack.flush()) {
            save();
        }
    }
}

void Filter::register_stats() {
    const EngineCounters& c = m_engine.counters();
    add_input_counters(m_stats, m_input);
    m_stats.add("statuses", c.statuses);
    m_stats.add("alerts", c.alerts);
    m_stats.add("expired", c.expired);
    m_stats.add("held_back", c.held_back);
    m_stats.add("replayed", m_replayed);
    m_stats.add("identities", [this] { return static_cast<uint64_t>(m_engine.table().size()); });
}

void Filter::emit_stats() {
    m_stats.emit([this](std::string_view line) { m_out.write_line(line); });
}

void Filter::print_stats(uint64_t records) {
    const IdentityTable& table = m_engine.table();
    const EngineCounters& c = m_engine.counters();
    std::size_t n = table.size();
    m_diag.error(fmt::format(
        "events {}, statuses {}, replayed {}, alerts {} ({} expired, {} held back by flapping), identities {}", records,
        c.statuses, m_replayed, c.alerts, c.expired, c.held_back, n));
    m_diag.error(
        fmt::format("memory: {} bytes per identity beyond subject and name ({} bytes of strings), "
                    "peak RSS {} kB",
                    n == 0 ? 0 : table.bytes_overhead() / n, table.bytes_strings(), peak_rss_kb()));
}

// Applies the status read last: its alert goes out, then its input is
// handled. False when the output has ended or failed (nothing is handled).
bool Filter::finish_pending() {
    if (!m_pending.active) {
        return true;
    }
    m_pending.active = false;
    const StatusEvent& event = m_events[m_pending.turn];
    if (auto decision =
            replayed(event, m_pending.id_key) ? std::nullopt : m_engine.apply(event, m_pending.now, m_pending.hash)) {
        emit(*decision, &event, event.id ? std::string_view{} : std::string_view(m_pending.line));
    }
    if (m_out.ended() || m_out.failed()) {
        return false;
    }
    handled(m_records[m_pending.turn].position);
    if ((m_pending.records & 1023) == 0) {
        maybe_save();
    }
    return true;
}

// Every output of the event at position is written: it may be acknowledged
// once saved, and the state now covers the input up to it.
void Filter::handled(const Position& position) {
    m_ack.handled(position);
    if (m_files != nullptr) {
        if (position.stream >= m_applied.size()) {
            m_applied.resize(position.stream + 1, -1);
        }
        m_applied[position.stream] = position.offset;
    }
}

// The input positions the state covers, a JSON array: per file read, where
// a restart resumes (see FileSource::positions); empty for stdin and Kafka.
std::string Filter::positions() const {
    std::string out;
    if (m_files == nullptr) {
        out = "[]";
        return out;
    }
    encode_file_positions(m_files->positions([this](uint32_t stream) {
        return stream < m_applied.size() ? m_applied[stream] : int64_t{-1};
    }),
                          out);
    return out;
}

// Tells the file source where the saved state ends. False (reported) when
// the saved positions are malformed.
bool Filter::resume(const Snapshot& snapshot) {
    if (m_files == nullptr) {
        return true;
    }
    auto saved = decode_file_positions(snapshot.positions);
    if (!saved) {
        m_diag.error(fmt::format("state file {}: {}", m_options.state_path, saved.error()));
        return false;
    }
    m_files->resume_from(std::move(saved).value());
    return true;
}

// True when event's id was applied moments ago (it is counted); otherwise
// the id joins the window, as the status is applied now. id_key: the id's
// RecentIds::key_of, 0 for none or an empty id.
bool Filter::replayed(const StatusEvent& event, uint64_t id_key) {
    if (!event.id || (id_key != 0 ? m_recent.insert_key(id_key) : m_recent.insert(*event.id))) {
        return false;
    }
    ++m_replayed;
    return true;
}

int Filter::run() {
    if (!m_options.state_path.empty()) {
        auto lock = lock_state_file(m_options.state_path);
        if (!lock) {
            m_diag.error(lock.error());
            return exit_code::k_usage;
        }
        m_lock = std::move(lock).value();
        m_files = dynamic_cast<FileSource*>(&m_input.source());
        auto loaded = load_state_file(m_options.state_path);
        if (!loaded) {
            m_diag.error(loaded.error());
            return exit_code::k_usage;
        }
        if (*loaded) {
            const Snapshot& snapshot = **loaded;
            std::optional<double> base;
            if (m_settings.clock == ClockKind::wall) {
                base = wall_clock().now();
            } else if (snapshot.clock == ClockKind::event) {
                m_event_now = snapshot.time;
            }
            restore(m_engine.table(), snapshot, base);
            (void)m_recent.decode(snapshot.recent_ids);  // checked by the load
            if (!resume(snapshot)) {
                return exit_code::k_usage;
            }
        }
        m_last_save = steady_now();
    }

    Input& input = m_input;
    if (auto opened = input.open(); !opened) {
        m_diag.error(opened.error());
        return exit_code::k_io;
    }
    // A status waiting to be applied goes out before any wait for input.
    input.set_idle([this] {
        (void)finish_pending();
        (void)m_ack.flush();
    });
    input.keep_previous();
    register_stats();
    m_stats.start(m_options.stats_events.interval);
    notify::ready();

    const bool wall = m_settings.clock == ClockKind::wall;
    IdentityTable& table = m_engine.table();
    std::string reason;
    uint64_t records = 0;
    bool ended = false;
    int turn = 0;
    for (;;) {
        Record& record = m_records[turn];
        StatusEvent& event = m_events[turn];
        // On the wall clock, the wait for input ends at the next deadline,
        // which the pending status may move: apply it first.
        if (wall && !finish_pending()) {
            break;
        }
        Input::Next next = input.next(record, m_stats.wait_ms(timeout_ms()));
        EventKind kind = EventKind::other;
        uint64_t hash = 0;
        uint64_t id_key = 0;
        if (next == Input::Next::record) {
            // Read this event and send for its identity's slot before the
            // previous status is applied; the table is far larger than the
            // caches, so this overlaps two waits for memory with work.
            kind = read_event(record.fields, event, reason);
            if (kind == EventKind::status) {
                hash = IdentityTable::hash_of(event.subject, event.name);
                table.prefetch_slot(hash);
                if (event.id && !event.id->empty()) {
                    id_key = RecentIds::key_of(*event.id);
                    m_recent.prefetch(id_key);
                }
            }
        }
        if (!finish_pending()) {
            break;
        }
        if (next == Input::Next::end) {
            ended = !signals::stop_requested() && !input.fatal();
            break;
        }
        if (signals::take_stats()) {
            print_stats(records);
        }
        if (m_stats.due()) {
            emit_stats();
        }
        if (next == Input::Next::timeout) {
            if (wall) {
                double now = wall_clock().now();
                expire(now);
                forget_silent(now, false);
            }
            maybe_save();
            (void)m_ack.flush();
            continue;
        }
        ++records;
        if (kind == EventKind::bad) {
            // A rejected line changes nothing, not even the event clock.
            input.reject(record, reason);
            if (input.fatal()) {
                break;
            }
            continue;
        }
        double now = now_for(event);
        expire(now);
        forget_silent(now, false);
        if (!m_options.alerts_only) {
            m_out.write_line(record.line);
        }
        if (kind == EventKind::status) {
            m_pending.active = true;
            m_pending.turn = turn;
            m_pending.now = now;
            m_pending.hash = hash;
            m_pending.id_key = id_key;
            m_pending.records = records;
            if (!event.id) {
                m_pending.line.assign(record.line);
            }
            if (m_out.ended() || m_out.failed()) {
                (void)finish_pending();
                break;
            }
            // The slot asked for above has arrived by now: ask for the entry
            // it points to, which is needed after the next read.
            table.prefetch_entry(hash);
            turn ^= 1;
            continue;
        }
        if (m_out.ended() || m_out.failed()) {
            break;
        }
        handled(record.position);
        if ((records & 1023) == 0) {
            maybe_save();
        }
    }
    if (ended && !wall && std::isfinite(m_event_now)) {
        expire(m_event_now);
        forget_silent(m_event_now, true);
    } else if (wall) {
        forget_silent(wall_clock().now(), true);
    }
    notify::stopping();
    input.finish();
    if (m_stats.enabled()) {
        emit_stats();  // the same counters once at exit
    }
    // With file positions, a state whose alerts did not all go out is not
    // saved: the last save and its positions stay, and a restart writes them.
    const bool flushed = static_cast<bool>(m_ack.flush());
    if (flushed || m_files == nullptr) {
        save();
    }
    if (m_options.stats) {
        print_stats(records);
    }
    if (auto code = ending_exit_code(input, m_out, m_diag)) {
        return *code;
    }
    return m_save_failed ? exit_code::k_io : exit_code::k_ok;
}

}  // namespace

int run(const Options& options, Input& input, Sink& out, Diagnostics& diag) {
    auto settings = make_settings(options);
    if (!settings) {
        diag.error(settings.error());
        return exit_code::k_usage;
    }
    Filter filter(options, *settings, diag, input, out);
    return filter.run();
}

}  // namespace ev::status
