#include "plot/bins.h"

#include <algorithm>
#include <cmath>

namespace ev::plot {

void Cell::add(double time, double value) {
    if (count == 0) {
        first = min = max = value;
        first_time = time;
    } else if (time < first_time) {
        first = value;
        first_time = time;
    }
    if (count == 0 || time >= last_time) {
        last = value;
        last_time = time;
    }
    min = std::min(min, value);
    max = std::max(max, value);
    ++count;
}

void Cell::merge(const Cell& other) {
    if (other.count == 0) {
        return;
    }
    if (count == 0) {
        *this = other;
        return;
    }
    if (other.first_time < first_time) {
        first = other.first;
        first_time = other.first_time;
    }
    if (other.last_time >= last_time) {
        last = other.last;
        last_time = other.last_time;
    }
    min = std::min(min, other.min);
    max = std::max(max, other.max);
    count += other.count;
}

TimeBins::TimeBins(std::size_t columns, std::optional<TimeRange> fixed)
    : m_columns(std::max<std::size_t>(2, columns & ~std::size_t{1})), m_markers(m_columns, 0) {
    if (fixed && fixed->end > fixed->begin) {
        m_fixed = true;
        m_started = true;
        m_origin = fixed->begin;
        m_step = (fixed->end - fixed->begin) / static_cast<double>(m_columns);
    }
}

std::optional<std::size_t> TimeBins::place(double time) {
    // Times outside years 1..9999 are no clock's: they would only stretch
    // the span until its arithmetic overflows.
    if (!(time >= k_earliest_time && time <= k_latest_time)) {
        return std::nullopt;
    }
    if (!m_started) {
        m_started = true;
        m_origin = std::floor(time);
    }
    double end = m_origin + m_step * static_cast<double>(m_columns);
    if (m_fixed && (time < m_origin || time >= end)) {
        ++m_dropped;
        return std::nullopt;
    }
    while (time < m_origin || time >= m_origin + m_step * static_cast<double>(m_columns)) {
        double_towards(time);
    }
    auto column = static_cast<std::size_t>((time - m_origin) / m_step);
    return std::min(column, m_columns - 1);
}

// Halves the resolution: each pair of columns becomes one. Growing to the
// right keeps the origin, the old columns filling the left half; growing to
// the left moves the origin back a whole span, the old columns filling the
// right half. Either way the old columns pair up exactly, so nothing moves
// between columns but what merges.
void TimeBins::double_towards(double time) {
    bool left = time < m_origin;
    std::size_t half = m_columns / 2;
    auto rebin = [&](auto& columns, auto merge) {
        auto old = columns;
        std::fill(columns.begin(), columns.end(), typename std::decay_t<decltype(columns)>::value_type{});
        for (std::size_t i = 0; i < m_columns; ++i) {
            std::size_t to = (left ? half : 0) + i / 2;
            merge(columns[to], old[i]);
        }
    };
    for (auto& cells : m_series) {
        rebin(cells, [](Cell& to, const Cell& from) { to.merge(from); });
    }
    rebin(m_markers, [](uint32_t& to, uint32_t from) { to += from; });
    if (left) {
        m_origin -= m_step * static_cast<double>(m_columns);
    }
    m_step *= 2;
}

void TimeBins::add(std::size_t series, double time, double value) {
    auto column = place(time);
    if (!column || !std::isfinite(value)) {
        return;
    }
    while (m_series.size() <= series) {
        m_series.emplace_back(m_columns);
    }
    m_series[series][*column].add(time, value);
}

void TimeBins::add_marker(double time) {
    if (auto column = place(time)) {
        ++m_markers[*column];
    }
}

std::size_t TimeBins::first_shown() const {
    if (m_fixed) {
        return 0;
    }
    for (std::size_t i = 0; i < m_columns; ++i) {
        if (m_markers[i] > 0) {
            return i;
        }
        for (const auto& cells : m_series) {
            if (cells[i].count > 0) {
                return i;
            }
        }
    }
    return 0;
}

std::size_t TimeBins::last_shown() const {
    if (m_fixed) {
        return m_columns - 1;
    }
    for (std::size_t i = m_columns; i-- > 0;) {
        if (m_markers[i] > 0) {
            return i;
        }
        for (const auto& cells : m_series) {
            if (cells[i].count > 0) {
                return i;
            }
        }
    }
    return 0;
}

std::optional<TimeRange> TimeBins::shown() const {
    if (!m_started) {
        return std::nullopt;
    }
    return TimeRange{m_origin + m_step * static_cast<double>(first_shown()),
                     m_origin + m_step * static_cast<double>(last_shown() + 1)};
}

}  // namespace ev::plot
