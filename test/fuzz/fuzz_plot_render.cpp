// Fuzzes evplot's parser of graphite-web render responses (untrusted bytes
// from the network). What parses must encode back to JSON that parses to
// the same series, and draw: binned and rendered as text and SVG.
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "core/json.h"
#include "plot/bins.h"
#include "plot/chart.h"
#include "plot/render.h"

namespace {

std::string encode(const std::vector<ev::plot::RenderSeries>& all) {
    std::string out = "[";
    for (const auto& series : all) {
        out += out.size() > 1 ? ",{\"target\":" : "{\"target\":";
        ev::json_escape_to(series.target, out);
        out += ",\"datapoints\":[";
        for (std::size_t i = 0; i < series.points.size(); ++i) {
            out += i > 0 ? ",[" : "[";
            series.points[i].value ? ev::write_number(*series.points[i].value, out) : void(out += "null");
            out += ",";
            ev::write_number(series.points[i].time, out);
            out += "]";
        }
        out += "]}";
    }
    return out + "]";
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    std::string_view text(reinterpret_cast<const char*>(data), size);
    auto parsed = ev::plot::parse_render_json(text);
    if (!parsed) {
        return 0;
    }
    auto again = ev::plot::parse_render_json(encode(*parsed));
    if (!again || again->size() != parsed->size()) {
        std::abort();
    }
    ev::plot::TimeBins bins(40);
    ev::plot::Labels labels;
    for (std::size_t s = 0; s < parsed->size(); ++s) {
        const auto& a = (*parsed)[s];
        const auto& b = (*again)[s];
        if (a.target != b.target || a.points.size() != b.points.size()) {
            std::abort();
        }
        for (std::size_t i = 0; i < a.points.size(); ++i) {
            if (a.points[i].time != b.points[i].time || a.points[i].value != b.points[i].value) {
                std::abort();
            }
            if (a.points[i].value && s < ev::plot::k_max_series) {
                bins.add(s, a.points[i].time, *a.points[i].value);
            }
        }
        if (s < ev::plot::k_max_series) {
            labels.series.push_back(a.target);
        }
    }
    for (auto cells : {ev::plot::Cells::ascii, ev::plot::Cells::braille}) {
        (void)ev::plot::line_text(bins, labels, ev::plot::Size{40, 10}, cells, false);
        (void)ev::plot::spark_text(bins, labels, ev::plot::Size{40, 10}, cells);
    }
    (void)ev::plot::line_svg(bins, labels, ev::plot::Size{40, 10});
    return 0;
}
