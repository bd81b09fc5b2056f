// Charts: the pictures evplot draws (line, spark, hist), laid out as text
// for the terminal or as SVG, from the same data and the same geometry.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "plot/bins.h"
#include "plot/canvas.h"

namespace ev::plot {

/// The words around a picture. All of them may come from events: the
/// renderers escape them (terminal) or replace what XML forbids (SVG).
struct Labels {
    std::string title;
    std::string y_label;              ///< the field, with its unit: "metric (ms)"
    std::vector<std::string> series;  ///< one per series, in order
    std::string markers;              ///< the --markers expression; empty: none
    uint64_t marker_count = 0;
};

/// A picture's size in characters.
struct Size {
    std::size_t width = 80, height = 24;
};

/// Width of a line chart's left margin (the y labels), in characters.
constexpr std::size_t k_gutter = 9;
/// Character columns of a line chart's plot area for a picture width.
std::size_t line_plot_columns(std::size_t width);
/// Character columns of a sparkline for a picture width.
std::size_t spark_columns(std::size_t width);

/// The value range a picture's y axis spans (widened when flat).
struct ValueRange {
    double low = 0, high = 1;
};
std::optional<ValueRange> value_range(const TimeBins& bins);

/// The value fraction of the way from low to high, even when high - low overflows.
double between(double low, double high, double fraction);

/// Time ticks: times at a round step inside range, and how to print them.
struct Ticks {
    std::vector<double> times;
    double step = 0;
};
Ticks time_ticks(TimeRange range, std::size_t max_ticks);
/// A tick label in UTC: HH:MM:SS under a minute's step, HH:MM under a day's, else MM-DD.
std::string tick_label(double time, double step);
/// A number for an axis in at most max_chars characters.
std::string axis_number(double value, std::size_t max_chars = k_gutter - 1);

std::string line_text(const TimeBins& bins, const Labels& labels, Size size, Cells cells, bool colour);
std::string spark_text(const TimeBins& bins, const Labels& labels, Size size, Cells cells);

/// Counts of values in equal buckets over [low, high); values outside counted apart.
struct Histogram {
    double low = 0, high = 1;
    std::vector<uint64_t> counts;
    uint64_t below = 0, above = 0;

    Histogram(double low, double high, std::size_t buckets);
    void add(double value);
    /// A histogram of held values over their own range.
    static Histogram of(const std::vector<double>& values, std::size_t buckets);
};
std::string hist_text(const Histogram& hist, const Labels& labels, Size size, Cells cells);

std::string line_svg(const TimeBins& bins, const Labels& labels, Size size);
std::string hist_svg(const Histogram& hist, const Labels& labels, Size size);

}  // namespace ev::plot
