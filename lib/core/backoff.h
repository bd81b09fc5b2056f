// Backoff: how long to wait before the next attempt after a failure
// (reconnecting to a server, restarting a process): a first delay doubling
// up to a ceiling, back to the first delay after a success.
#pragma once

namespace ev {

/// Delays between attempts, doubling from initial up to max seconds.
class Backoff {
public:
    /// The first failure waits initial seconds; each further one twice the
    /// last, at most max (max below initial is raised to initial).
    Backoff(double initial, double max);

    /// An attempt failed: the delay to wait before the next one. The delay
    /// after it doubles.
    double next();

    /// The delay next() will return.
    double peek() const { return m_next; }

    /// An attempt succeeded (a connection was made, a process ran long
    /// enough): the next failure waits the first delay again.
    void reset() {
        m_next = m_initial;
        m_failures = 0;
    }

    /// Failures since construction or the last reset().
    unsigned failures() const { return m_failures; }

private:
    double m_initial;
    double m_max;
    double m_next;
    unsigned m_failures = 0;
};

}  // namespace ev
