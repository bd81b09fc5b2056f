// Clock: the one way lib/ reads the time, so tests can feed fake time.
#pragma once

#include <cstdint>

namespace ev {

/// Source of the current time in Unix epoch seconds (fraction allowed).
class Clock {
public:
    virtual ~Clock() = default;
    /// The current time, seconds since the Unix epoch.
    virtual double now() const = 0;
};

/// The system's real-time clock.
class WallClock final : public Clock {
public:
    double now() const override;
};

/// A clock that only moves when told to; for tests and event time.
class ManualClock final : public Clock {
public:
    explicit ManualClock(double start = 0) : m_now(start) {}
    double now() const override { return m_now; }
    /// Sets the current time.
    void set(double t) { m_now = t; }
    /// Moves the clock forward by dt seconds.
    void advance(double dt) { m_now += dt; }

private:
    double m_now;
};

/// A process-wide wall clock, for callers that need no fake time.
const Clock& wall_clock();

/// Seconds on the monotonic clock: for deadlines and measured durations,
/// never for timestamps (it does not jump when the wall clock is set).
double steady_now();

/// What drives a stateful tool's timers: the wall clock (wall_clock()) or
/// the events' `time` fields (--clock wall|event).
enum class ClockKind : uint8_t { wall, event };

}  // namespace ev
