// The SVG form of the line and hist pictures: the same data on the same
// axes, at 8 x 16 pixels per character of the terminal picture's size.
#include <fmt/format.h>

#include <algorithm>
#include <cmath>

#include "core/xml.h"
#include "plot/chart.h"

namespace ev::plot {

namespace {

constexpr const char* k_colours[k_max_series] = {"#1f77b4", "#d62728", "#2ca02c", "#9467bd",
                                                 "#17becf", "#bcbd22", "#1f3fff", "#ff7f0e"};
constexpr double k_left = 80, k_right = 20, k_top = 40, k_bottom = 50, k_legend_row = 18;

std::string text_at(double x, double y, std::string_view text, std::string_view anchor = "start") {
    return fmt::format("<text x=\"{:.1f}\" y=\"{:.1f}\" text-anchor=\"{}\">{}</text>\n", x, y, anchor,
                       xml_escape(text));
}

std::string open_svg(double width, double height, const Labels& labels) {
    std::string out = fmt::format(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
        "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{0:.0f}\" height=\"{1:.0f}\" viewBox=\"0 0 {0:.0f} "
        "{1:.0f}\" font-family=\"sans-serif\" font-size=\"12\">\n"
        "<rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n",
        width, height);
    out += "<title>" + xml_escape(labels.title.empty() ? labels.y_label : labels.title) + "</title>\n";
    if (!labels.title.empty()) {
        out +=
            fmt::format("<g class=\"title\" font-size=\"16\">{}</g>\n", text_at(width / 2, 22, labels.title, "middle"));
    }
    out += "<g class=\"y-label\">" + text_at(8, k_top - 8, labels.y_label) + "</g>\n";
    return out;
}

}  // namespace

std::string line_svg(const TimeBins& bins, const Labels& labels, Size size) {
    double width = static_cast<double>(size.width) * 8, height = static_cast<double>(size.height) * 16;
    double legend = k_legend_row * static_cast<double>(labels.series.size() + (labels.markers.empty() ? 0 : 1));
    double plot_w = std::max(40.0, width - k_left - k_right);
    double plot_h = std::max(40.0, height - k_top - k_bottom - legend);
    height = k_top + plot_h + k_bottom + legend;
    std::string out = open_svg(width, height, labels);
    auto shown = bins.shown();
    auto values = value_range(bins);
    auto x_of = [&](double t) { return k_left + (t - shown->begin) / (shown->end - shown->begin) * plot_w; };
    auto y_of = [&](double v) {
        double fraction = (v - values->low) / (values->high - values->low);
        return k_top + plot_h - (std::isfinite(fraction) ? fraction : 0) * plot_h;  // a span may overflow
    };
    out += fmt::format(
        "<g class=\"axes\" stroke=\"black\" fill=\"none\"><path d=\"M{0:.1f} {1:.1f}V{2:.1f}H{3:.1f}\"/></g>\n", k_left,
        k_top, k_top + plot_h, k_left + plot_w);
    if (shown && values) {
        out += "<g class=\"y-ticks\" text-anchor=\"end\">\n";
        for (double fraction : {0.0, 0.5, 1.0}) {
            double v = between(values->low, values->high, fraction);
            out += text_at(k_left - 6, y_of(v) + 4, axis_number(v), "end");
        }
        out += "</g>\n<g class=\"x-ticks\">\n";
        Ticks ticks = time_ticks(*shown, std::max(1.0, plot_w / 80));
        for (double t : ticks.times) {
            out += fmt::format("<path d=\"M{0:.1f} {1:.1f}v5\" stroke=\"black\"/>\n", x_of(t), k_top + plot_h);
            out += text_at(x_of(t), k_top + plot_h + 18, tick_label(t, ticks.step), "middle");
        }
        out += text_at(k_left + plot_w, k_top + plot_h + 36, "time (UTC)", "end");
        out += "</g>\n<g class=\"markers\" stroke=\"#888\" stroke-dasharray=\"4 3\">\n";
        for (std::size_t j = bins.first_shown(); j <= bins.last_shown(); ++j) {
            if (bins.markers()[j] > 0) {
                double x = x_of(bins.start() + bins.step() * (static_cast<double>(j) + 0.5));
                out += fmt::format("<path d=\"M{0:.1f} {1:.1f}V{2:.1f}\"/>\n", x, k_top, k_top + plot_h);
            }
        }
        out += "</g>\n";
        for (std::size_t s = 0; s < bins.series_count(); ++s) {
            out += fmt::format("<polyline class=\"series\" fill=\"none\" stroke=\"{}\" points=\"",
                               k_colours[s % k_max_series]);
            for (std::size_t j = bins.first_shown(); j <= bins.last_shown(); ++j) {
                const Cell& cell = bins.series(s)[j];
                if (cell.count == 0) {
                    continue;
                }
                double xf = x_of(cell.first_time), xl = x_of(cell.last_time);
                out += fmt::format("{:.1f},{:.1f} {:.1f},{:.1f} {:.1f},{:.1f} {:.1f},{:.1f} ", xf, y_of(cell.first), xf,
                                   y_of(cell.min), xl, y_of(cell.max), xl, y_of(cell.last));
            }
            out += "\"/>\n";
        }
    }
    double y = k_top + plot_h + k_bottom;
    out += "<g class=\"legend\">\n";
    for (std::size_t s = 0; s < labels.series.size(); ++s, y += k_legend_row) {
        out += fmt::format("<rect x=\"{:.1f}\" y=\"{:.1f}\" width=\"14\" height=\"4\" fill=\"{}\"/>\n", k_left, y - 6,
                           k_colours[s % k_max_series]);
        out += text_at(k_left + 20, y, labels.series[s]);
    }
    if (!labels.markers.empty()) {
        out += text_at(k_left + 20, y, fmt::format("markers: {} ({})", labels.markers, labels.marker_count));
    }
    return out + "</g>\n</svg>\n";
}

std::string hist_svg(const Histogram& hist, const Labels& labels, Size size) {
    double width = static_cast<double>(size.width) * 8;
    double row = 20, name_w = 150;
    double height = k_top + row * static_cast<double>(hist.counts.size()) + k_bottom;
    std::string out = open_svg(width, height, labels);
    uint64_t most = std::max<uint64_t>(1, *std::max_element(hist.counts.begin(), hist.counts.end()));
    double bar_w = std::max(40.0, width - name_w - 80);
    std::size_t n = hist.counts.size();
    out += "<g class=\"buckets\">\n";
    for (std::size_t i = 0; i < n; ++i) {
        double from = between(hist.low, hist.high, static_cast<double>(i) / static_cast<double>(n));
        double to = between(hist.low, hist.high, static_cast<double>(i + 1) / static_cast<double>(n));
        double y = k_top + row * static_cast<double>(i);
        double w = bar_w * static_cast<double>(hist.counts[i]) / static_cast<double>(most);
        out += text_at(name_w - 6, y + 14, axis_number(from) + " - " + axis_number(to), "end");
        out += fmt::format("<rect x=\"{:.1f}\" y=\"{:.1f}\" width=\"{:.1f}\" height=\"{:.1f}\" fill=\"{}\"/>\n", name_w,
                           y + 2, w, row - 4, k_colours[0]);
        out += text_at(name_w + w + 6, y + 14, std::to_string(hist.counts[i]));
    }
    return out + "</g>\n</svg>\n";
}

}  // namespace ev::plot
