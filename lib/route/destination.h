// Destination: where routed events go. Every kind makes progress without
// blocking, driven by the router's single poll loop.
#pragma once

#include <poll.h>

#include <cstdint>
#include <functional>
#include <limits>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "core/diag.h"
#include "core/json.h"
#include "core/result.h"
#include "route/line_queue.h"
#include "route/rule.h"
#include "route/spool.h"

namespace ev::route {

/// Seconds on the monotonic clock, for timers (backoff, timeouts, intervals).
double monotonic_now();

/// What every destination shares: settings and the router's services.
struct Context {
    Diagnostics* diag = nullptr;
    std::size_t queue_bytes = std::size_t{1} << 20;  ///< bound of each queue
    std::string spool_dir = "/tmp";
    std::size_t callback_concurrency = 4;     ///< per callback destination
    double callback_timeout = 30;             ///< seconds per call
    std::function<void(const Json&)> report;  ///< a callback failure event
};

/// Counters of one destination, printed on SIGUSR1 and at exit.
struct Counters {
    uint64_t delivered = 0;  ///< lines handed to the file, pipe or a finished callback
    uint64_t dropped = 0;    ///< lines discarded by the drop policy
    uint64_t spilled = 0;    ///< lines written to the spool
    uint64_t restarts = 0;   ///< consumer restarts
    uint64_t failures = 0;   ///< callbacks that failed or timed out
    uint64_t lost = 0;       ///< lines still queued when evroute gave up at exit
};

/// A destination: takes lines, makes progress when the router services it.
class Destination {
public:
    explicit Destination(DestSpec spec, Context& ctx) : m_spec(std::move(spec)), m_ctx(ctx), m_label(m_spec.label()) {}
    virtual ~Destination() = default;
    Destination(const Destination&) = delete;
    Destination& operator=(const Destination&) = delete;

    /// The destination as written in rules.
    const DestSpec& spec() const { return m_spec; }
    /// The label used in counters and messages.
    const std::string& label() const { return m_label; }

    /// Opens files or starts processes; an error here rejects the rules.
    virtual Result<void> start() { return {}; }
    /// Takes a line (without newline); false when the queue is full.
    virtual bool offer(std::string_view line) = 0;
    /// Puts a line on the spool when offer() said full.
    virtual void spill(std::string_view line) { ++counters.dropped; }
    /// Adds the descriptors this destination waits on.
    virtual void want(std::vector<pollfd>& fds) const {}
    /// Makes progress without blocking: writes, reaps, restarts, timeouts.
    virtual void service(double now) {}
    /// The next monotonic time service() must run, or infinity.
    virtual double deadline() const { return std::numeric_limits<double>::infinity(); }
    /// Pushes buffered output to the kernel (input is idle).
    virtual void flush() {}
    /// Reopens a file (SIGHUP, for logrotate).
    virtual void reopen() {}
    /// True when nothing is queued, spooled or running.
    virtual bool drained() const { return true; }
    /// At exit, once drained: close pipes so processes see end of input.
    virtual void close_input() {}
    /// True once every process has ended.
    virtual bool finished(double now) { return true; }
    /// At exit after the drain timeout: stop processes, count what is left as lost.
    virtual void abandon() {}
    /// Lines waiting in memory and on the spool.
    virtual uint64_t queued() const { return 0; }
    /// Bytes held in memory.
    virtual std::size_t queued_bytes() const { return 0; }

    Counters counters;
    uint64_t mark = 0;  ///< the router's event number, so one event reaches a destination once

protected:
    DestSpec m_spec;
    Context& m_ctx;
    std::string m_label;
};

/// A destination fed from a bounded LineQueue with a spool behind it.
class QueuedDestination : public Destination {
public:
    QueuedDestination(DestSpec spec, Context& ctx);
    bool offer(std::string_view line) override;
    void spill(std::string_view line) override;
    bool drained() const override { return m_queue.empty() && !m_spool.active(); }
    uint64_t queued() const override { return m_queue.unsent_lines() + m_spool.lines(); }
    std::size_t queued_bytes() const override { return m_queue.bytes(); }

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
