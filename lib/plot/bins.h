// Time bins: a fixed number of columns over time, each keeping first, last,
// min and max of the points that fell in it, so a picture of any input
// takes memory for its columns only. See docs/evplot.1.md, "Streaming".
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace ev::plot {

/// What one column of one series keeps of its points.
struct Cell {
    double first = 0, last = 0, min = 0, max = 0;
    double first_time = 0, last_time = 0;
    uint64_t count = 0;

    void add(double time, double value);
    /// Takes in the points of other, which covers the same or a later span.
    void merge(const Cell& other);
};

/// The times a picture takes (epoch seconds of 0001-01-01 and 9999-12-31T23:59:59Z).
constexpr double k_earliest_time = -62135596800.0;
constexpr double k_latest_time = 253402300799.0;

/// A half-open time range [begin, end).
struct TimeRange {
    double begin = 0, end = 0;
};

/// Columns over time shared by every series of a picture and its markers.
/// Without a fixed range the span starts at a millisecond per column from
/// the first point and doubles (pairs of columns merge) whenever a point
/// falls outside, growing towards it; with one, points outside are dropped.
class TimeBins {
public:
    /// columns is rounded down to an even number (at least 2).
    explicit TimeBins(std::size_t columns, std::optional<TimeRange> fixed = std::nullopt);

    /// The column of time, rebinning first when needed; nothing when time
    /// lies outside a fixed range or outside years 1..9999.
    std::optional<std::size_t> place(double time);

    /// Adds a point of series (a new series is appended at the end).
    void add(std::size_t series, double time, double value);
    /// Adds a marker at time.
    void add_marker(double time);

    std::size_t columns() const { return m_columns; }
    std::size_t series_count() const { return m_series.size(); }
    const std::vector<Cell>& series(std::size_t i) const { return m_series[i]; }
    const std::vector<uint32_t>& markers() const { return m_markers; }
    /// Points and markers dropped outside a fixed range.
    uint64_t dropped() const { return m_dropped; }

    /// The span the picture shows: the fixed range, or the columns from the
    /// first to the last one holding a point or marker. Nothing when empty.
    std::optional<TimeRange> shown() const;
    /// Where time lies in the whole bin span, as a column position (for the shown range's ends).
    double start() const { return m_origin; }
    double step() const { return m_step; }
    /// The columns shown (inclusive), matching shown().
    std::size_t first_shown() const;
    std::size_t last_shown() const;

private:
    void double_towards(double time);

    std::size_t m_columns;
    bool m_fixed = false;
    bool m_started = false;
    double m_origin = 0;
    double m_step = 0.001;
    std::vector<std::vector<Cell>> m_series;
    std::vector<uint32_t> m_markers;
    uint64_t m_dropped = 0;
};

}  // namespace ev::plot
