// Destination: where routed events go. Every kind makes progress without
// blocking, driven by the router's one event loop, and says when each event
// it took is written (Delivery), so input is acknowledged only then.
#pragma once

#include <poll.h>

#include <cstdint>
#include <functional>
#include <limits>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "core/child_set.h"
#include "core/diag.h"
#include "core/json.h"
#include "core/kafka_config.h"
#include "core/result.h"
#include "core/sink.h"
#include "route/delivery.h"
#include "route/event_numbers.h"
#include "route/line_queue.h"
#include "route/rule.h"
#include "route/spool.h"

namespace ev::route {

class Destination;

/// What every destination shares: settings and the router's services.
struct Context {
    Diagnostics* diag = nullptr;
    std::size_t queue_bytes = std::size_t{1} << 20;  ///< bound of each queue
    std::size_t max_line = std::size_t{1} << 20;     ///< longest consumer output line passed on (--max-line)
    std::string spool_dir = "/tmp";
    std::size_t callback_concurrency = 4;     ///< per callback destination
    double callback_timeout = 30;             ///< seconds per call
    double callback_kill_grace = 1;           ///< seconds from SIGTERM to SIGKILL after the timeout
    std::function<void(const Json&)> report;  ///< a callback failure event
    ChildSet* children = nullptr;             ///< every consumer and callback process
    Delivery* delivery = nullptr;             ///< numbers of routed events; lost ones
    Sink* out = nullptr;                      ///< standard output
    const KafkaOptions* kafka = nullptr;      ///< brokers and properties of kafka:TOPIC destinations
    int out_poll_fd = -1;                     ///< a pipe behind out: write only what it takes (Options)
    bool output_failed = false;               ///< a destination could not be written: exit 4
    /// Destinations by tag, so a child's result reaches the one that started it.
    std::unordered_map<uint64_t, Destination*> owners;
    uint64_t next_tag = 1;
};

/// Counters of one destination, printed on SIGUSR1 and at exit.
struct Counters {
    /// Lines flushed to a file or standard output, taken by a FIFO, read by a
    /// consumer; calls that succeeded.
    uint64_t delivered = 0;
    uint64_t dropped = 0;   ///< lines discarded by the drop policy
    uint64_t spilled = 0;   ///< lines written to the spool
    uint64_t restarts = 0;  ///< consumer restarts
    uint64_t failures = 0;  ///< callbacks that failed or timed out
    uint64_t lost = 0;      ///< lines given up: still queued at exit, or their output failed
};

/// A destination: takes lines, makes progress when the router services it.
/// Every line it takes comes with the number of its event (Delivery), which
/// it holds, in order, until the line is written there; it tells
/// Delivery::lost about a line it gives up on.
class Destination {
public:
    Destination(DestSpec spec, Context& ctx);
    virtual ~Destination();
    Destination(const Destination&) = delete;
    Destination& operator=(const Destination&) = delete;

    /// The destination as written in rules.
    const DestSpec& spec() const { return m_spec; }
    /// The label used in counters and messages.
    const std::string& label() const { return m_label; }
    /// The destination its process's output lines go to (a consumer's "| DEST"), or null.
    virtual const Destination* output_target() const { return nullptr; }

    /// Opens files or starts processes; an error here rejects the rules.
    virtual Result<void> start() { return {}; }
    /// After start() and one round of child results: an error when a process
    /// could not be started (the rules are then rejected too).
    virtual Result<void> started() { return {}; }
    /// Takes a line (without newline) of event number; false when the queue
    /// is full. A destination that discards it (drop) takes it at once.
    virtual bool offer(std::string_view line, uint64_t number) = 0;
    /// Puts a line on the spool when offer() said full.
    virtual void spill(std::string_view line, uint64_t number);
    /// Adds the descriptors this destination waits on.
    virtual void want(std::vector<pollfd>& fds) const {}
    /// Makes progress without blocking: writes, restarts, launches.
    virtual void service(double now) {}
    /// A process this destination started has ended (ChildSpec::tag is ours).
    virtual void on_child(ChildResult& result) {}
    /// The next steady time service() must run, or infinity.
    virtual double deadline() const { return std::numeric_limits<double>::infinity(); }
    /// Pushes buffered output out (input is idle, or held back).
    virtual void flush() {}
    /// Reopens a file (SIGHUP, for logrotate).
    virtual void reopen() {}
    /// True when nothing is queued, spooled or running.
    virtual bool drained() const { return true; }
    /// At exit, once drained: close pipes so processes see end of input.
    virtual void close_input() {}
    /// True once every process has ended.
    virtual bool finished() const { return true; }
    /// At exit after the drain timeout: stop processes, count what is left as lost.
    virtual void abandon() {}
    /// Lines waiting in memory and on the spool.
    virtual uint64_t queued() const { return 0; }
    /// The number of the oldest event taken and not yet written here
    /// (Delivery::k_none when none): input before it may be acknowledged.
    virtual uint64_t oldest_held() const { return m_numbers.empty() ? Delivery::k_none : m_numbers.front(); }

    Counters counters;
    uint64_t mark = 0;  ///< the router's event number, so one event reaches a destination once

protected:
    /// The count oldest events held here are written.
    void complete(uint64_t count) { m_numbers.pop(count); }
    /// Every event held here is given up: counted as lost.
    void lose_all();

    DestSpec m_spec;
    Context& m_ctx;
    std::string m_label;
    uint64_t m_tag;          ///< ChildSpec::tag of the processes it starts
    EventNumbers m_numbers;  ///< events of the lines held, oldest first
};

/// A destination fed from a bounded LineQueue with a spool behind it.
class QueuedDestination : public Destination {
public:
    QueuedDestination(DestSpec spec, Context& ctx);
    bool offer(std::string_view line, uint64_t number) override;
    void spill(std::string_view line, uint64_t number) override;
    bool drained() const override { return m_queue.empty() && !m_spool.active(); }
    uint64_t queued() const override { return m_queue.unsent_lines() + m_spool.lines(); }

protected:
    /// Called after a line was queued (a chance to write eagerly).
    virtual void queued_one() {}
    /// Moves spooled lines back into the queue as room allows.
    void replay();
    /// Counts everything still queued as lost.
    void lose_queue();

    LineQueue m_queue;
    Spool m_spool;
};

/// Builds the destination for spec (not started yet).
std::unique_ptr<Destination> make_destination(const DestSpec& spec, Context& ctx);

}  // namespace ev::route
