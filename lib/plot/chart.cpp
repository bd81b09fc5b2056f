#include "plot/chart.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <ctime>

#include "core/escape.h"

namespace ev::plot {

namespace {

// The code points of text, cut to at most width (text is escaped UTF-8).
std::string fit(std::string_view text, std::size_t width) {
    std::size_t points = 0, i = 0;
    for (; i < text.size(); ++i) {
        if ((static_cast<unsigned char>(text[i]) & 0xc0) != 0x80 && points++ == width) {
            break;
        }
    }
    return std::string(text.substr(0, i));
}

std::size_t text_width(std::string_view text) {
    return static_cast<std::size_t>(
        std::count_if(text.begin(), text.end(), [](char c) { return (static_cast<unsigned char>(c) & 0xc0) != 0x80; }));
}

std::string pad_right(std::string text, std::size_t width) {
    std::size_t w = text_width(text);
    return w < width ? text + std::string(width - w, ' ') : text;
}

std::string pad_left(const std::string& text, std::size_t width) {
    std::size_t w = text_width(text);
    return w < width ? std::string(width - w, ' ') + text : text;
}

// Event data for a terminal: escaped (no control sequence, no forged line) and cut to width.
std::string shown_text(std::string_view text, std::size_t width) {
    return fit(escape_text(text), width);
}

// The first line of a picture: the y label at the left, the title centred.
std::string header(const Labels& labels, std::size_t width) {
    std::string y = shown_text(labels.y_label, width);
    std::string title = shown_text(labels.title, width);
    std::size_t y_width = text_width(y), title_width = text_width(title);
    std::size_t at = width > title_width ? (width - title_width) / 2 : 0;
    if (title.empty()) {
        return y;
    }
    if (at < y_width + 2) {
        return y.empty() ? title : y + "  " + title;
    }
    return y + std::string(at - y_width, ' ') + title;
}

// Maps times and values of a picture onto its pixels.
struct Scale {
    TimeRange time;
    ValueRange value;
    std::size_t width, height;  // pixels

    long x(double t) const {
        double span = time.end - time.begin;
        double at = span > 0 ? (t - time.begin) / span * static_cast<double>(width) : 0;
        return std::clamp(static_cast<long>(std::floor(at)), 0L, static_cast<long>(width) - 1);
    }
    long y(double v) const {
        double at = (v - value.low) / (value.high - value.low) * static_cast<double>(height - 1);
        if (!std::isfinite(at)) {
            at = 0;  // values so far apart that their span overflows
        }
        return std::clamp(static_cast<long>(std::lround(at)), 0L, static_cast<long>(height) - 1);
    }
};

// The midpoint of bin column j.
double column_time(const TimeBins& bins, std::size_t j) {
    return bins.start() + bins.step() * (static_cast<double>(j) + 0.5);
}

void draw_series(Canvas& canvas, const TimeBins& bins, std::size_t s, const Scale& scale) {
    const std::vector<Cell>& cells = bins.series(s);
    bool have_previous = false;
    long px = 0, py = 0;
    for (std::size_t j = bins.first_shown(); j <= bins.last_shown(); ++j) {
        const Cell& cell = cells[j];
        if (cell.count == 0) {
            continue;
        }
        long xf = scale.x(cell.first_time), xl = scale.x(cell.last_time);
        if (have_previous) {
            canvas.line(px, py, xf, scale.y(cell.first), s);
        }
        for (long x = xf; x <= xl; ++x) {
            canvas.line(x, scale.y(cell.min), x, scale.y(cell.max), s);
        }
        have_previous = true;
        px = xl;
        py = scale.y(cell.last);
    }
}

const std::vector<double>& tick_steps() {
    static const std::vector<double> steps = {
        1,    2,    5,     10,    15,    30,    60,        120,       300,        600,        900,        1800,
        3600, 7200, 10800, 21600, 43200, 86400, 2 * 86400, 7 * 86400, 14 * 86400, 28 * 86400, 91 * 86400, 365 * 86400};
    return steps;
}

}  // namespace

std::size_t line_plot_columns(std::size_t width) {
    return width > k_gutter + 1 + 8 ? width - k_gutter - 1 : 8;
}

std::size_t spark_columns(std::size_t width) {
    return width > 24 + 8 ? width - 24 : 8;
}

std::optional<ValueRange> value_range(const TimeBins& bins) {
    std::optional<ValueRange> range;
    for (std::size_t s = 0; s < bins.series_count(); ++s) {
        for (const Cell& cell : bins.series(s)) {
            if (cell.count == 0) {
                continue;
            }
            if (!range) {
                range = ValueRange{cell.min, cell.max};
            }
            range->low = std::min(range->low, cell.min);
            range->high = std::max(range->high, cell.max);
        }
    }
    if (range && range->low == range->high) {
        double pad = range->low != 0 ? std::fabs(range->low) * 0.1 : 1;
        range->low -= pad;
        range->high += pad;
    }
    return range;
}

double between(double low, double high, double fraction) {
    double value = low + (high - low) * fraction;
    return std::isfinite(value) ? value : low * (1 - fraction) + high * fraction;
}

Ticks time_ticks(TimeRange range, std::size_t max_ticks) {
    Ticks ticks;
    double span = range.end - range.begin;
    if (!(span > 0) || max_ticks == 0) {
        return ticks;
    }
    // Beyond the table's longest step: whole multiples of it.
    const double longest = tick_steps().back();
    ticks.step = longest * std::ceil(span / longest / static_cast<double>(max_ticks));
    for (double step : tick_steps()) {
        if (span / step <= static_cast<double>(max_ticks)) {
            ticks.step = step;
            break;
        }
    }
    for (double t = std::ceil(range.begin / ticks.step) * ticks.step; t < range.end; t += ticks.step) {
        ticks.times.push_back(t);
    }
    return ticks;
}

std::string tick_label(double time, double step) {
    std::time_t seconds = static_cast<std::time_t>(std::floor(time));
    std::tm tm{};
    gmtime_r(&seconds, &tm);
    char text[32];
    const char* format = step < 60 ? "%H:%M:%S" : step < 86400 ? "%H:%M" : "%m-%d";
    std::strftime(text, sizeof text, format, &tm);
    return text;
}

std::string axis_number(double value, std::size_t max_chars) {
    std::string text;
    for (int precision = 4; precision >= 1; --precision) {
        text = fmt::format("{:.{}g}", value, precision);
        if (text.size() <= max_chars) {
            return text;
        }
    }
    return text.substr(0, max_chars);
}

std::string line_text(const TimeBins& bins, const Labels& labels, Size size, Cells cells, bool colour) {
    const bool braille = cells == Cells::braille;
    std::size_t columns = line_plot_columns(size.width);
    std::size_t legend_rows = labels.series.size() + (labels.markers.empty() ? 0 : 1);
    std::size_t fixed_rows = 3 + legend_rows;
    std::size_t rows = size.height >= fixed_rows + 2 ? size.height - fixed_rows : 2;
    Canvas canvas(columns, rows, cells);
    std::size_t dx = braille ? 2 : 1;

    auto shown = bins.shown();
    auto values = value_range(bins);
    Ticks ticks;
    std::optional<Scale> scale;
    if (shown) {
        scale = Scale{*shown, values.value_or(ValueRange{}), canvas.pixel_width(), canvas.pixel_height()};
        for (std::size_t j = bins.first_shown(); j <= bins.last_shown(); ++j) {
            if (bins.markers()[j] > 0) {
                canvas.mark_column(scale->x(column_time(bins, j)));
            }
        }
        for (std::size_t s = 0; s < bins.series_count(); ++s) {
            draw_series(canvas, bins, s, *scale);
        }
        ticks = time_ticks(*shown, std::max<std::size_t>(1, columns / 10));
    }

    std::string out = header(labels, size.width) + "\n";
    for (std::size_t r = 0; r < rows; ++r) {
        std::string label;
        if (values && (r == 0 || r + 1 == rows || (rows >= 5 && r == rows / 2))) {
            double fraction = rows > 1 ? static_cast<double>(rows - 1 - r) / static_cast<double>(rows - 1) : 0;
            label = axis_number(between(values->low, values->high, fraction));
        }
        out += pad_left(label, k_gutter - 1) + " ";
        out += label.empty() ? (braille ? "\u2502" : "|") : (braille ? "\u2524" : "+");
        out += canvas.row_text(r, colour) + "\n";
    }
    // The time axis: ticks on the axis line, their labels below (where they fit).
    std::string axis(columns, '-');
    std::vector<bool> tick_at(columns, false);
    std::string tick_row(columns, ' ');
    std::size_t free_from = 0;
    for (double t : ticks.times) {
        std::size_t column = static_cast<std::size_t>(scale->x(t)) / dx;
        tick_at[column] = true;
        std::string text = tick_label(t, ticks.step);
        std::size_t at = column >= text.size() / 2 ? column - text.size() / 2 : 0;
        if (at >= free_from && at + text.size() <= columns) {
            tick_row.replace(at, text.size(), text);
            free_from = at + text.size() + 1;
        }
    }
    out += std::string(k_gutter, ' ') + (braille ? "\u2514" : "+");
    for (std::size_t c = 0; c < columns; ++c) {
        out += tick_at[c] ? (braille ? "\u252c" : "+") : (braille ? "\u2500" : "-");
    }
    out += "\n" + pad_right("UTC", k_gutter + 1) + tick_row;
    while (!out.empty() && out.back() == ' ') {
        out.pop_back();
    }
    out += "\n";
    for (std::size_t s = 0; s < labels.series.size(); ++s) {
        std::string glyph = braille ? "\u28ff" : std::string(1, ascii_glyph(s));
        out += "  " + glyph + " " + shown_text(labels.series[s], size.width > 6 ? size.width - 6 : 1) + "\n";
    }
    if (!labels.markers.empty()) {
        std::string count = fmt::format(" ({})", labels.marker_count);
        std::size_t room = size.width > 13 + count.size() + 8 ? size.width - 13 - count.size() : 8;
        out += fmt::format("  {} markers: {}{}\n", braille ? "\u2502" : "|", shown_text(labels.markers, room), count);
    }
    return out;
}

std::string spark_text(const TimeBins& bins, const Labels& labels, Size size, Cells cells) {
    static const char* const k_blocks[8] = {"\u2581", "\u2582", "\u2583", "\u2584",
                                            "\u2585", "\u2586", "\u2587", "\u2588"};
    static constexpr char k_ascii_levels[9] = "_.-=+*#@";
    std::size_t columns = spark_columns(size.width);
    std::size_t first = bins.first_shown(), last = bins.last_shown();
    std::size_t n = last >= first ? last - first + 1 : 0;
    std::string out;
    if (!labels.title.empty()) {
        out += shown_text(labels.title, size.width) + "\n";
    }
    for (std::size_t s = 0; s < bins.series_count(); ++s) {
        const std::vector<Cell>& cells_of = bins.series(s);
        // Each character shows the highest value of the bins under it, on the series' own scale.
        std::vector<std::optional<double>> highs(columns);
        double low = INFINITY, high = -INFINITY, latest = 0, latest_time = -INFINITY;
        for (std::size_t x = 0; x < columns && n > 0; ++x) {
            std::size_t from = first + x * n / columns, to = std::max(from + 1, first + (x + 1) * n / columns);
            for (std::size_t j = from; j < to && j <= last; ++j) {
                const Cell& cell = cells_of[j];
                if (cell.count == 0) {
                    continue;
                }
                highs[x] = std::max(highs[x].value_or(cell.max), cell.max);
                low = std::min(low, cell.min);
                high = std::max(high, cell.max);
                if (cell.last_time >= latest_time) {
                    latest = cell.last;
                    latest_time = cell.last_time;
                }
            }
        }
        out += pad_right(shown_text(labels.series[s], 14), 14) + " ";
        // Between two points a column without one repeats the level before
        // it: a sparkline reads as a line, not as dust.
        std::optional<double> previous;
        std::size_t last_point = 0;
        for (std::size_t x = 0; x < columns; ++x) {
            if (highs[x]) {
                last_point = x;
            }
        }
        for (std::size_t x = 0; x < columns; ++x) {
            std::optional<double> value = highs[x] ? highs[x] : x < last_point ? previous : std::nullopt;
            previous = value;
            if (!value) {
                out += ' ';
                continue;
            }
            int level = high > low ? static_cast<int>(std::lround((*value - low) / (high - low) * 7)) : 3;
            cells == Cells::braille ? out += k_blocks[level] : out += k_ascii_levels[level];
        }
        out += " " + axis_number(latest) + "\n";
    }
    return out;
}

Histogram::Histogram(double low_, double high_, std::size_t buckets) : low(low_), high(high_), counts(buckets, 0) {}

void Histogram::add(double value) {
    if (!std::isfinite(value)) {
        return;
    }
    if (value < low) {
        ++below;
    } else if (value > high) {
        ++above;
    } else {
        double fraction = (value - low) / (high - low);
        if (!std::isfinite(fraction)) {
            fraction = (value / 2 - low / 2) / (high / 2 - low / 2);  // the span overflowed
        }
        auto i = fraction > 0 ? static_cast<std::size_t>(fraction * static_cast<double>(counts.size())) : 0;
        ++counts[std::min(i, counts.size() - 1)];
    }
}

Histogram Histogram::of(const std::vector<double>& values, std::size_t buckets) {
    double low = INFINITY, high = -INFINITY;
    for (double v : values) {
        low = std::min(low, v);
        high = std::max(high, v);
    }
    if (values.empty()) {
        low = 0, high = 1;
    } else if (low == high) {
        low -= 0.5, high += 0.5;
    }
    Histogram hist(low, high, buckets);
    for (double v : values) {
        hist.add(v);
    }
    return hist;
}

std::string hist_text(const Histogram& hist, const Labels& labels, Size size, Cells cells) {
    static const char* const k_eighths[8] = {"", "\u258f", "\u258e", "\u258d", "\u258c", "\u258b", "\u258a", "\u2589"};
    std::size_t n = hist.counts.size();
    std::vector<std::string> names;
    uint64_t most = 0, total = 0;
    for (std::size_t i = 0; i < n; ++i) {
        double from = between(hist.low, hist.high, static_cast<double>(i) / static_cast<double>(n));
        double to = between(hist.low, hist.high, static_cast<double>(i + 1) / static_cast<double>(n));
        names.push_back(axis_number(from) + " - " + axis_number(to));
        most = std::max(most, hist.counts[i]);
        total += hist.counts[i];
    }
    std::size_t name_width = 0;
    for (const auto& name : names) {
        name_width = std::max(name_width, name.size());
    }
    std::size_t count_width = std::to_string(most).size();
    std::size_t bar_width =
        size.width > name_width + count_width + 3 + 4 ? size.width - name_width - count_width - 3 : 4;
    std::string out = header(labels, size.width) + "\n";
    for (std::size_t i = 0; i < n; ++i) {
        // The bar in eighths of a character (whole characters in ASCII).
        uint64_t eighths = most > 0 ? hist.counts[i] * bar_width * 8 / most : 0;
        std::string bar;
        if (cells == Cells::ascii) {
            bar = std::string(eighths / 8, '#');
        } else {
            for (uint64_t k = 0; k < eighths / 8; ++k) {
                bar += "\u2588";
            }
            bar += k_eighths[eighths % 8];
        }
        out += pad_left(names[i], name_width) + " " + (cells == Cells::ascii ? "|" : "\u2502") +
               pad_right(bar, bar_width) + " " + pad_left(std::to_string(hist.counts[i]), count_width);
        while (!out.empty() && out.back() == ' ') {
            out.pop_back();
        }
        out += "\n";
    }
    out += fmt::format("{} values", total);
    if (hist.below > 0 || hist.above > 0) {
        out += fmt::format(", {} below {}, {} above {}", hist.below, axis_number(hist.low), hist.above,
                           axis_number(hist.high));
    }
    return out + "\n";
}

}  // namespace ev::plot
