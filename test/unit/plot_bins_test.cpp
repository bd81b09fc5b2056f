#include "plot/bins.h"

#include <gtest/gtest.h>

#include <random>

namespace {

using ev::plot::Cell;
using ev::plot::TimeBins;
using ev::plot::TimeRange;

// Every point of series 0, summed over the columns: what rebinning must keep.
uint64_t total(const TimeBins& bins) {
    uint64_t n = 0;
    for (const Cell& cell : bins.series(0)) {
        n += cell.count;
    }
    return n;
}

TEST(PlotBins, FixedRangeColumnsAndDrops) {
    TimeBins bins(30, TimeRange{0, 600});
    bins.add(0, 0, 1);
    bins.add(0, 270, 2);
    bins.add(0, 599.9, 3);
    bins.add(0, 600, 4);  // the end is outside
    bins.add(0, -1, 5);
    EXPECT_EQ(bins.series(0)[0].count, 1u);
    EXPECT_EQ(bins.series(0)[13].last, 2);
    EXPECT_EQ(bins.series(0)[29].last, 3);
    EXPECT_EQ(bins.dropped(), 2u);
    EXPECT_EQ(bins.first_shown(), 0u);
    EXPECT_EQ(bins.last_shown(), 29u);
}

TEST(PlotBins, ColumnsRoundDownToEven) {
    EXPECT_EQ(TimeBins(31).columns(), 30u);
    EXPECT_EQ(TimeBins(1).columns(), 2u);
}

TEST(PlotBins, GrowingRightKeepsEveryPointAndTheOrderInColumns) {
    TimeBins bins(40);
    for (int i = 0; i < 1000; ++i) {
        bins.add(0, 1000 + i * 10.0, i);
    }
    EXPECT_EQ(total(bins), 1000u);
    // The span covers the 10 000 s of points in 40 columns: steps double from 1 ms.
    EXPECT_GE(bins.step() * 40, 9990);
    EXPECT_LT(bins.step() * 40, 2 * 10000);
    // Within each column first/last follow time, min/max the values.
    for (const Cell& cell : bins.series(0)) {
        if (cell.count > 0) {
            EXPECT_EQ(cell.first, cell.min);
            EXPECT_EQ(cell.last, cell.max);
        }
    }
    auto shown = bins.shown();
    ASSERT_TRUE(shown);
    EXPECT_LE(shown->begin, 1000);
    EXPECT_GT(shown->end, 1000 + 9990);
}

TEST(PlotBins, AnyOrderGivesTheSameCountsPerTime) {
    std::vector<double> times;
    for (int i = 0; i < 500; ++i) {
        times.push_back(5000 + i * 7.0);
    }
    TimeBins forward(20);
    for (double t : times) {
        forward.add(0, t, t);
    }
    std::mt19937 rng(1);
    std::shuffle(times.begin(), times.end(), rng);
    TimeBins shuffled(20);
    for (double t : times) {
        shuffled.add(0, t, t);
    }
    EXPECT_EQ(total(shuffled), 500u);
    // Whatever the origin, each column's first and last are its earliest and latest point.
    for (const Cell& cell : shuffled.series(0)) {
        if (cell.count > 0) {
            EXPECT_EQ(cell.first, cell.first_time);
            EXPECT_EQ(cell.last, cell.last_time);
            EXPECT_EQ(cell.min, cell.first);
            EXPECT_EQ(cell.max, cell.last);
        }
    }
    // Both show every point, at a resolution within a factor of two of each other.
    for (const TimeBins* bins : {&forward, &shuffled}) {
        auto shown = bins->shown();
        ASSERT_TRUE(shown);
        EXPECT_LE(shown->begin, 5000);
        EXPECT_GT(shown->end, 5000 + 499 * 7.0);
    }
    EXPECT_LE(shuffled.step(), 2 * forward.step());
    EXPECT_LE(forward.step(), 2 * shuffled.step());
}

TEST(PlotBins, GrowingLeftMovesTheOriginBackAndKeepsMarkers) {
    TimeBins bins(10);
    bins.add_marker(100);
    bins.add(0, 100, 1);
    bins.add(0, 50, 2);
    bins.add_marker(40);
    EXPECT_LE(bins.start(), 40);
    uint32_t markers = 0;
    for (uint32_t m : bins.markers()) {
        markers += m;
    }
    EXPECT_EQ(markers, 2u);
    EXPECT_EQ(total(bins), 2u);
    EXPECT_EQ(bins.series(0)[bins.first_shown()].count + bins.markers()[bins.first_shown()], 1u);
}

TEST(PlotBins, NotFiniteIsIgnored) {
    TimeBins bins(10);
    bins.add(0, NAN, 1);
    bins.add(0, 1, INFINITY);
    EXPECT_FALSE(bins.shown().has_value() && bins.series_count() > 0 && total(bins) > 0);
}

TEST(PlotCell, MergeKeepsFirstLastByTime) {
    Cell a, b;
    a.add(10, 1);
    a.add(20, 5);
    b.add(5, 9);
    b.add(30, -1);
    a.merge(b);
    EXPECT_EQ(a.first, 9);
    EXPECT_EQ(a.last, -1);
    EXPECT_EQ(a.min, -1);
    EXPECT_EQ(a.max, 9);
    EXPECT_EQ(a.count, 4u);
}

}  // namespace
