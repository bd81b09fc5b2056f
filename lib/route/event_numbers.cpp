#include "route/event_numbers.h"

namespace ev::route {

uint64_t EventNumbers::pop() {
    Run& front = m_runs.front();
    uint64_t number = front.first;
    if (--front.count == 0) {
        m_runs.pop_front();
    } else {
        ++front.first;
    }
    --m_size;
    return number;
}

void EventNumbers::pop(uint64_t count) {
    while (count > 0 && !m_runs.empty()) {
        Run& front = m_runs.front();
        uint64_t taken = front.count < count ? front.count : count;
        front.first += taken;
        front.count -= taken;
        if (front.count == 0) {
            m_runs.pop_front();
        }
        m_size -= taken;
        count -= taken;
    }
}

void EventNumbers::clear() {
    m_runs.clear();
    m_size = 0;
}

}  // namespace ev::route
