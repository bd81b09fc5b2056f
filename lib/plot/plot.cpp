#include "plot/plot.h"

#include <fmt/format.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include <charconv>
#include <map>
#include <optional>

#include "core/atomic_file.h"
#include "core/exit_code.h"
#include "core/json.h"
#include "core/notify.h"
#include "core/path.h"
#include "core/timestamp.h"
#include "expr/expr.h"
#include "plot/bins.h"
#include "plot/chart.h"
#include "plot/render.h"

namespace ev::plot {

namespace {

// Pictures are for everyone to look at: an SVG is world-readable, unlike state files.
constexpr mode_t k_picture_mode = 0644;

// The picture's size: as asked, else the terminal's when stdout is one, else 80 x 24.
Size picture_size(const Options& options) {
    Size size;
    winsize ws{};
    if (options.svg.empty() && isatty(STDOUT_FILENO) && ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_col > 0 &&
        ws.ws_row > 1) {
        size = Size{ws.ws_col, static_cast<std::size_t>(ws.ws_row - 1)};  // a line left for the prompt
    }
    if (options.width > 0) {
        size.width = options.width;
    }
    if (options.height > 0) {
        size.height = options.height;
    }
    return size;
}

// The picture's lines without the blanks at their ends (nor the last newline: end_line adds it).
std::string without_trailing_blanks(std::string_view picture) {
    std::string out;
    std::size_t at = 0;
    while (at < picture.size()) {
        std::size_t end = picture.find('\n', at);
        std::string_view line = picture.substr(at, end == std::string_view::npos ? std::string_view::npos : end - at);
        while (!line.empty() && line.back() == ' ') {
            line.remove_suffix(1);
        }
        if (at > 0) {
            out += '\n';
        }
        out += line;
        at = end == std::string_view::npos ? picture.size() : end + 1;
    }
    return out;
}

Result<std::optional<TimeRange>> parse_range_option(const Options& options, double& since, double& until) {
    since = -INFINITY;
    until = INFINITY;
    if (!options.since.empty()) {
        auto t = parse_timestamp(options.since);
        if (!t) {
            return make_error(fmt::format("--since: {}", t.error()));
        }
        since = *t;
    }
    if (!options.until.empty()) {
        auto t = parse_timestamp(options.until);
        if (!t) {
            return make_error(fmt::format("--until: {}", t.error()));
        }
        until = *t;
    }
    if (!(since < until)) {
        return make_error("--since must be before --until");
    }
    if (std::isfinite(since) && std::isfinite(until)) {
        return std::optional<TimeRange>(TimeRange{since, until});
    }
    return std::optional<TimeRange>();
}

Result<Histogram> parse_hist_range(const std::string& text, std::size_t buckets) {
    std::size_t colon = text.find(':', text[0] == '-' ? 1 : 0);
    double low = 0, high = 0;
    auto number = [](std::string_view s, double& out) {
        auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), out);
        return ec == std::errc() && end == s.data() + s.size() && std::isfinite(out);
    };
    if (colon == std::string::npos || !number(std::string_view(text).substr(0, colon), low) ||
        !number(std::string_view(text).substr(colon + 1), high) || !(low < high)) {
        return make_error(fmt::format("--range '{}': expected MIN:MAX with MIN < MAX", text));
    }
    return Histogram(low, high, buckets);
}

// The key of an event's series: the --by fields' values joined by '/'
// (strings as they are, other values as JSON, "-" when missing).
void series_key(const std::vector<Path>& by, simdjson::dom::element root, std::string& key) {
    key.clear();
    for (std::size_t i = 0; i < by.size(); ++i) {
        if (i > 0) {
            key += '/';
        }
        auto value = by[i].lookup(root);
        std::string_view s;
        if (!value) {
            key += '-';
        } else if (value->get_string().get(s) == simdjson::SUCCESS) {
            key += s;
        } else {
            write_canonical_nested(*value, key);
        }
    }
}

// Everything a run gathers before it draws.
class Collector {
public:
    Collector(const Options& options, std::size_t columns, std::optional<TimeRange> fixed, double since, double until,
              Path field, std::vector<Path> by, std::optional<expr::Program> markers,
              std::optional<Histogram> streaming)
        : m_options(options),
          m_bins(columns, fixed),
          m_since(since),
          m_until(until),
          m_field(std::move(field)),
          m_by(std::move(by)),
          m_markers(std::move(markers)),
          m_streaming(std::move(streaming)) {}

    void handle(const Record& record) {
        auto time_field = record.fields.get(Field::time);
        // A histogram takes events without a time too; the other pictures need one.
        std::optional<double> found_time = time_field ? json_number(*time_field) : std::nullopt;
        bool has_time = found_time.has_value();
        double time = found_time.value_or(0);
        if ((has_time && (time < m_since || time >= m_until)) || (!has_time && m_options.chart != Chart::hist)) {
            return;
        }
        if (has_time && m_markers && m_markers->test(record.root, record.fields)) {
            ++m_marker_count;
            m_bins.add_marker(time);
        }
        if (!m_options.graphite.empty()) {
            return;  // the series come from graphite; events only mark
        }
        auto found = m_field.lookup(record.root);
        std::optional<double> value = found ? json_number(*found) : std::nullopt;
        if (!value || !std::isfinite(*value)) {
            return;
        }
        take_unit(record);
        series_key(m_by, record.root, m_key);
        add_point(m_key, time, *value);
    }

    /// Adds the points of a graphite series (its target names it).
    void add_render(const RenderSeries& series) {
        for (const RenderPoint& point : series.points) {
            if (point.value && std::isfinite(*point.value) && point.time >= m_since && point.time < m_until) {
                add_point(series.target, point.time, *point.value);
            }
        }
    }

    void add_point(std::string_view key, double time, double value) {
        ++m_points;
        if (m_options.chart == Chart::hist) {
            m_streaming ? m_streaming->add(value) : m_values.push_back(value);
            return;
        }
        auto it = m_series.find(key);
        if (it == m_series.end()) {
            if (m_series.size() == k_max_series) {
                ++m_points_not_drawn;
                return;
            }
            it = m_series.emplace(std::string(key), m_labels.size()).first;
            m_labels.emplace_back(key);
        }
        m_bins.add(it->second, time, value);
    }

    uint64_t points() const { return m_points; }
    uint64_t points_not_drawn() const { return m_points_not_drawn; }

    Labels labels() const {
        Labels labels;
        labels.title = m_options.title;
        labels.y_label = m_options.graphite.empty() ? m_options.field : "graphite";
        std::string unit = m_options.unit.empty() ? m_unit : m_options.unit;
        if (!unit.empty()) {
            labels.y_label += " (" + unit + ")";
        }
        if (m_options.chart != Chart::hist) {
            labels.series = m_labels;
            labels.markers = m_options.markers;
            labels.marker_count = m_marker_count;
        }
        return labels;
    }

    std::string draw(Size size, Cells cells, bool colour) const {
        if (m_options.chart == Chart::hist) {
            Histogram hist = m_streaming ? *m_streaming : Histogram::of(m_values, m_options.buckets);
            return m_options.svg.empty() ? hist_text(hist, labels(), size, cells) : hist_svg(hist, labels(), size);
        }
        if (m_options.chart == Chart::spark) {
            return spark_text(m_bins, labels(), size, cells);
        }
        return m_options.svg.empty() ? line_text(m_bins, labels(), size, cells, colour)
                                     : line_svg(m_bins, labels(), size);
    }

private:
    void take_unit(const Record& record) {
        if (!m_unit.empty() || !m_options.unit.empty()) {
            return;
        }
        simdjson::dom::element unit;
        std::string_view text;
        if (record.root["unit"].get(unit) == simdjson::SUCCESS && unit.get_string().get(text) == simdjson::SUCCESS) {
            m_unit = text;
        }
    }

    const Options& m_options;
    TimeBins m_bins;
    double m_since, m_until;
    Path m_field;
    std::vector<Path> m_by;
    std::optional<expr::Program> m_markers;
    std::optional<Histogram> m_streaming;
    std::vector<double> m_values;  // hist without --range holds the values
    std::map<std::string, std::size_t, std::less<>> m_series;
    std::vector<std::string> m_labels;
    std::string m_key, m_unit;
    uint64_t m_points = 0, m_points_not_drawn = 0, m_marker_count = 0;
};

// The render request for the options: their time range as epoch seconds, else graphite's last day.
RenderRequest render_request(const Options& options) {
    RenderRequest request;
    request.base_url = options.graphite;
    request.targets = options.targets;
    double since = 0, until = 0;
    (void)parse_range_option(options, since, until);
    if (std::isfinite(since)) {
        request.from = fmt::format("{}", static_cast<int64_t>(std::floor(since)));
    }
    if (std::isfinite(until)) {
        request.until = fmt::format("{}", static_cast<int64_t>(std::ceil(until)));
    }
    return request;
}

Result<Collector> make_collector(const Options& options, Size size) {
    if (options.chart == Chart::spark && !options.svg.empty()) {
        return make_error("spark draws text lines only: it takes no --svg");
    }
    if (options.graphite.empty() != options.targets.empty()) {
        return make_error("--graphite URL and --target TARGET go together");
    }
    if (options.buckets < 1 || options.buckets > 1000) {
        return make_error("--buckets must lie within 1..1000");
    }
    if (size.width < 20 || size.height < 5 || size.width > 10000 || size.height > 10000) {
        return make_error("the picture must be 20..10000 characters wide and 5..10000 high");
    }
    double since = 0, until = 0;
    auto fixed = parse_range_option(options, since, until);
    if (!fixed) {
        return std::move(fixed).take_error();
    }
    auto field = Path::parse(options.field);
    if (!field) {
        return make_error(fmt::format("--field: {}", field.error()));
    }
    std::vector<Path> by;
    for (const std::string& text : options.by.empty() ? std::vector<std::string>{"subject", "name"} : options.by) {
        auto path = Path::parse(text);
        if (!path) {
            return make_error(fmt::format("--by: {}", path.error()));
        }
        by.push_back(std::move(path).value());
    }
    std::optional<expr::Program> markers;
    if (!options.markers.empty()) {
        auto program = expr::Program::compile(options.markers);
        if (!program) {
            return make_error(fmt::format("--markers: {}", program.error()));
        }
        markers.emplace(std::move(program).value());
    }
    std::optional<Histogram> streaming;
    if (!options.range.empty()) {
        auto hist = parse_hist_range(options.range, options.buckets);
        if (!hist) {
            return std::move(hist).take_error();
        }
        streaming.emplace(std::move(hist).value());
    }
    std::size_t columns = options.chart == Chart::spark ? spark_columns(size.width)
                                                        : line_plot_columns(size.width) * (options.ascii ? 1 : 2);
    return Collector(options, columns, *fixed, since, until, std::move(field).value(), std::move(by),
                     std::move(markers), std::move(streaming));
}

}  // namespace

int run(const Options& options, Input& input, Sink& out, Diagnostics& diag) {
    Size size = picture_size(options);
    auto collector = make_collector(options, size);
    if (!collector) {
        diag.error(collector.error());
        return exit_code::k_usage;
    }
    if (!options.graphite.empty()) {
        auto series = fetch_render(render_request(options));
        if (!series) {
            diag.error(fmt::format("--graphite: {}", series.error()));
            return exit_code::k_io;
        }
        for (const RenderSeries& one : *series) {
            collector->add_render(one);
        }
    }
    // With --graphite the input is read for markers only, and only when asked.
    bool read_input = options.graphite.empty() || !options.markers.empty();
    if (read_input) {
        if (auto opened = input.open(); !opened) {
            diag.error(opened.error());
            return exit_code::k_io;
        }
        notify::ready();
        Record record;
        while (input.next(record) == Input::Next::record) {
            collector->handle(record);
        }
        notify::stopping();
        input.finish();
    }
    if (collector->points_not_drawn() > 0) {
        diag.error(
            fmt::format("{} points of further series not drawn (at most {} series; choose with --by or evfilter)",
                        collector->points_not_drawn(), k_max_series));
    }
    if (auto code = ending_exit_code(input, out, diag)) {
        return *code;
    }
    if (collector->points() == 0) {
        diag.error(options.graphite.empty() ? fmt::format("no event with a number at {} to draw", options.field)
                                            : std::string("no graphite datapoint to draw"));
        return exit_code::k_no_match;
    }
    bool colour = !options.ascii && options.svg.empty() && isatty(STDOUT_FILENO) && getenv("NO_COLOR") == nullptr;
    std::string picture = collector->draw(size, options.ascii ? Cells::ascii : Cells::braille, colour);
    if (!options.svg.empty()) {
        if (auto written = atomic_write(options.svg, picture, k_picture_mode); !written) {
            diag.error(written.error());
            return exit_code::k_io;
        }
        return exit_code::k_ok;
    }
    out.buffer() += without_trailing_blanks(picture);
    out.end_line();
    (void)out.flush();
    if (auto code = ending_exit_code(input, out, diag)) {
        return *code;
    }
    return exit_code::k_ok;
}

}  // namespace ev::plot
