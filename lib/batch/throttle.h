// Throttle: the each mode's start decisions (concurrency, batches with a
// pause between them, rate, failure budget) on a clock the caller passes in,
// so they are tested without processes.
#pragma once

#include <cstddef>
#include <optional>

#include "batch/limits.h"

namespace ev::batch {

/// The limits, in counts and seconds.
struct ThrottleLimits {
    std::size_t concurrency = 1;
    std::size_t batch = 0;  ///< 0: no batches
    double batch_sleep = 0;
    std::optional<Rate> rate;
    std::optional<MaxFail> max_fail;
};

/// Decides when the next action may start.
class Throttle {
public:
    explicit Throttle(ThrottleLimits limits) : m_limits(limits) {}

    /// True when one more action may start at now.
    bool may_start(double now) const;

    /// Records a start at now.
    void started(double now);

    /// Records an end at now. waiting: actions read but not started;
    /// more_input: more events may still come; read: events read so far.
    /// Returns true when this failure is the one that exceeds --max-fail.
    bool finished(bool ok, double now, std::size_t waiting, bool more_input, std::size_t read);

    /// When time alone (rate, batch pause) next allows a start; nothing
    /// when no time limit is holding starts back.
    std::optional<double> wake_at(double now) const;

    /// True once --max-fail was exceeded: nothing starts any more.
    bool failing() const { return m_failing; }

    /// Actions started and not yet ended.
    std::size_t running() const { return m_running; }

private:
    ThrottleLimits m_limits;
    std::size_t m_running = 0;
    std::size_t m_failed = 0;
    std::size_t m_batch_started = 0;
    std::size_t m_batch_done = 0;
    std::size_t m_batch_failed = 0;
    double m_next_start = 0;   // rate: no start before this
    double m_sleep_until = 0;  // batch pause: no start before this
    bool m_failing = false;
};

}  // namespace ev::batch
