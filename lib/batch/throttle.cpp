#include "batch/throttle.h"

#include <algorithm>

namespace ev::batch {

bool Throttle::may_start(double now) const {
    return !m_failing && m_running < m_limits.concurrency && now >= m_sleep_until && now >= m_next_start &&
           (m_limits.batch == 0 || m_batch_started < m_limits.batch);
}

void Throttle::started(double now) {
    ++m_running;
    ++m_batch_started;
    if (m_limits.rate) {
        m_next_start = now + m_limits.rate->interval();
    }
}

bool Throttle::finished(bool ok, double now, std::size_t waiting, bool more_input, std::size_t read) {
    --m_running;
    ++m_batch_done;
    bool newly_failing = false;
    if (!ok) {
        ++m_failed;
        ++m_batch_failed;
        if (m_limits.max_fail && !m_failing) {
            if (m_limits.batch > 0) {
                // As Ansible's max_fail_percentage: a share of this batch,
                // which is smaller at the end of the input.
                std::size_t size = m_limits.batch;
                if (!more_input) {
                    size = std::min(size, m_batch_started + waiting);
                }
                newly_failing =
                    m_limits.max_fail->exceeded(static_cast<double>(m_batch_failed), static_cast<double>(size));
            } else {
                newly_failing = m_limits.max_fail->exceeded(static_cast<double>(m_failed), static_cast<double>(read));
            }
            m_failing = newly_failing;
        }
    }
    if (m_limits.batch > 0 && m_batch_done == m_batch_started &&
        (m_batch_started == m_limits.batch || (waiting == 0 && !more_input))) {
        m_batch_started = m_batch_done = m_batch_failed = 0;
        m_sleep_until = now + m_limits.batch_sleep;
    }
    return newly_failing;
}

std::optional<double> Throttle::wake_at(double now) const {
    if (m_failing || m_running >= m_limits.concurrency || (m_limits.batch > 0 && m_batch_started >= m_limits.batch)) {
        return std::nullopt;
    }
    double when = std::max(m_sleep_until, m_next_start);
    if (when <= now) {
        return std::nullopt;
    }
    return when;
}

}  // namespace ev::batch
