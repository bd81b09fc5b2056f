#include "core/backoff.h"

#include <algorithm>

namespace ev {

Backoff::Backoff(double initial, double max)
    : m_initial(std::max(0.0, initial)), m_max(std::max(m_initial, max)), m_next(m_initial) {}

double Backoff::next() {
    double delay = m_next;
    m_next = std::min(m_next * 2, m_max);
    ++m_failures;
    return delay;
}

}  // namespace ev
