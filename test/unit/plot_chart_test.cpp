#include "plot/chart.h"

#include <gtest/gtest.h>

#include "core/xml.h"

namespace {

using namespace ev::plot;

TEST(PlotChart, TimeTicksAreRoundAndInside) {
    Ticks ticks = time_ticks(TimeRange{1700006430, 1700007030}, 2);
    EXPECT_EQ(ticks.step, 300);
    ASSERT_EQ(ticks.times.size(), 2u);
    EXPECT_EQ(ticks.times[0], 1700006700);
    EXPECT_EQ(tick_label(ticks.times[0], ticks.step), "00:05");
    EXPECT_EQ(tick_label(1700006405, 5), "00:00:05");
    EXPECT_EQ(tick_label(1700006400, 86400), "11-15");
    EXPECT_EQ(time_ticks(TimeRange{1700006430, 1700007030}, 5).step, 120);
    EXPECT_TRUE(time_ticks(TimeRange{5, 5}, 5).times.empty());
}

TEST(PlotChart, AxisNumbersFit) {
    EXPECT_EQ(axis_number(340), "340");
    EXPECT_EQ(axis_number(191.4285), "191.4");
    EXPECT_LE(axis_number(-123456789.5).size(), k_gutter - 1);
    EXPECT_LE(axis_number(1e-300).size(), k_gutter - 1);
}

TEST(PlotChart, FlatValuesGetARange) {
    TimeBins bins(10);
    bins.add(0, 1, 5);
    bins.add(0, 2, 5);
    auto range = value_range(bins);
    ASSERT_TRUE(range);
    EXPECT_LT(range->low, 5);
    EXPECT_GT(range->high, 5);
}

TEST(PlotChart, HistogramEdgesAndOutside) {
    Histogram hist(0, 10, 5);
    for (double v : {0.0, 1.9, 2.0, 9.99, 10.0, -0.1, 10.1}) {
        hist.add(v);
    }
    EXPECT_EQ(hist.counts, (std::vector<uint64_t>{2, 1, 0, 0, 2}));
    EXPECT_EQ(hist.below, 1u);
    EXPECT_EQ(hist.above, 1u);
    Histogram same = Histogram::of({3, 3, 3}, 4);
    EXPECT_EQ(same.counts[0] + same.counts[1] + same.counts[2] + same.counts[3], 3u);
}

TEST(PlotCanvas, BrailleDotsAndAsciiGlyphs) {
    Canvas braille(1, 1, Cells::braille);
    braille.set(0, 3, 0);  // top left dot: dot 1
    braille.set(1, 0, 0);  // bottom right dot: dot 8
    EXPECT_EQ(braille.row_text(0, false), "\u2881");
    Canvas ascii(3, 2, Cells::ascii);
    ascii.line(0, 0, 2, 1, 1);
    ascii.mark_column(1);
    EXPECT_EQ(ascii.row_text(0, false), " ++");
    EXPECT_EQ(ascii.row_text(1, false), "+| ");
}

TEST(CoreXml, EscapesAndReplacesWhatXmlForbids) {
    EXPECT_EQ(ev::xml_escape("a<b>&\"'"), "a&lt;b&gt;&amp;&quot;&apos;");
    EXPECT_EQ(ev::xml_escape("t\tn\nr\r"), "t\tn\nr\r");
    EXPECT_EQ(ev::xml_escape(std::string("\x00\x01\x1b", 3)), "\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd");
    EXPECT_EQ(ev::xml_escape("\xef\xbf\xbe\xef\xbf\xbf"), "\xef\xbf\xbd\xef\xbf\xbd");  // U+FFFE, U+FFFF
    EXPECT_EQ(ev::xml_escape("\xff"
                             "a"
                             "\xc0\xaf"),
              "\xef\xbf\xbd"
              "a"
              "\xef\xbf\xbd\xef\xbf\xbd");
    EXPECT_EQ(ev::xml_escape("\xed\xa0\x80"), "\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd");  // a surrogate
    EXPECT_EQ(ev::xml_escape("h\xc3\xa9 \xe2\xa3\xbf \xf0\x9f\x98\x80"), "h\xc3\xa9 \xe2\xa3\xbf \xf0\x9f\x98\x80");
    EXPECT_EQ(ev::xml_escape("\xc2\x85"), "\xc2\x85");  // C1 controls are allowed in XML 1.0
}

}  // namespace

namespace {

// Found by fuzz_plot_render: times of -1e308 stretched the span until ticks
// filled memory. Times outside years 1..9999 are ignored; ticks stay few.
TEST(PlotChart, AbsurdTimesAndSpansStayBounded) {
    ev::plot::TimeBins bins(40);
    bins.add(0, -1e308, 1);
    bins.add(0, 1e308, 1);
    bins.add(0, 1700000000, 1e308);
    bins.add(0, 1700000001, -1e308);
    EXPECT_LT(bins.step() * 40, 1e4);
    ev::plot::Ticks ticks =
        ev::plot::time_ticks(ev::plot::TimeRange{ev::plot::k_earliest_time, ev::plot::k_latest_time}, 3);
    EXPECT_LE(ticks.times.size(), 4u);
    ev::plot::Labels labels;
    labels.series = {"a"};
    std::string text = ev::plot::line_text(bins, labels, ev::plot::Size{40, 10}, ev::plot::Cells::ascii, false);
    EXPECT_NE(text.find("* a"), std::string::npos);
    EXPECT_EQ(ev::plot::line_svg(bins, labels, ev::plot::Size{40, 10}).find("nan"), std::string::npos);
}

}  // namespace
