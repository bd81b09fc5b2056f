#include "core/stats.h"

#include <gtest/gtest.h>
#include <simdjson.h>
#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "core/clock.h"
#include "core/self_status.h"
#include "core/signals.h"

namespace ev {
namespace {

TEST(Stats, CountersAreReadAtEachEmissionUnderOneName) {
    set_self_subject("host1");
    uint64_t in = 0;
    uint64_t queued = 7;
    Stats stats("evtool");
    stats.add("in", in);
    stats.add("queue.queued", [&] { return queued; });
    in = 5;
    auto values = stats.values();
    ASSERT_EQ(values.size(), 2u);
    EXPECT_EQ(values[0].first, "evkit.evtool.in");
    EXPECT_EQ(values[0].second, 5u);
    EXPECT_EQ(values[1].first, "evkit.evtool.queue.queued");
    EXPECT_EQ(values[1].second, 7u);
    EXPECT_EQ(stats.summary(), "in 5, queue.queued 7");
    in = 6;
    EXPECT_EQ(stats.summary(), "in 6, queue.queued 7");
}

TEST(Stats, MetricLinesAreCanonicalMetricEvents) {
    set_self_subject("host1");
    uint64_t out = 3;
    Stats stats("evtool");
    stats.add("out", out);
    auto lines = stats.metric_lines();
    ASSERT_EQ(lines.size(), 1u);
    simdjson::dom::parser parser;
    simdjson::dom::element e = parser.parse(lines[0]);
    EXPECT_EQ(std::string_view(e["type"]), "metric");
    EXPECT_EQ(std::string_view(e["subject"]), "host1");
    EXPECT_EQ(std::string_view(e["name"]), "evkit.evtool.out");
    EXPECT_EQ(uint64_t(e["metric"]), 3u);
    EXPECT_EQ(std::string_view(e["unit"]), "c");
    EXPECT_EQ(std::string_view(e["source"]), "evtool");
    EXPECT_GT(double(e["time"]), 0);
    EXPECT_FALSE(std::string_view(e["id"]).empty());
}

TEST(Stats, EmitWritesToTheMainOutputWithoutSelfTo) {
    uint64_t n = 1;
    Stats stats("evtool");
    stats.add("n", n);
    std::vector<std::string> got;
    stats.emit([&](std::string_view line) { got.emplace_back(line); });
    ASSERT_EQ(got.size(), 1u);
    EXPECT_NE(got[0].find("\"evkit.evtool.n\""), std::string::npos);
}

TEST(Stats, OffUntilStartedAndNeverDueWithoutATick) {
    Stats stats("evtool");
    EXPECT_FALSE(stats.enabled());
    EXPECT_FALSE(stats.due());
    ASSERT_EQ(signals::tick_interval(), 0);
    EXPECT_EQ(stats.wait_ms(-1), -1);
    EXPECT_EQ(stats.wait_ms(20), 20);
}

TEST(Stats, TheTickMakesItDueOncePerInterval) {
    signals::install();
    uint64_t n = 0;
    Stats stats("evtool");
    stats.add("n", n);
    stats.start(0.05);
    EXPECT_TRUE(stats.enabled());
    // A wait with the stats' cap returns by the tick's signal.
    EXPECT_GE(stats.wait_ms(-1), 0);
    EXPECT_LE(stats.wait_ms(10000), 50);
    double begin = steady_now();
    int dues = 0;
    while (steady_now() - begin < 0.33) {
        signals::sleep_ms(stats.wait_ms(-1));
        if (stats.due()) {
            ++dues;
        }
    }
    // 0.33 s at 0.05 s: about 6, never more than 7, never none.
    EXPECT_GE(dues, 3);
    EXPECT_LE(dues, 7);
    signals::reset();  // the tick stops, for the tests after this one
    EXPECT_EQ(signals::tick_interval(), 0);
}

TEST(ReloadStatus, WarningUntilAGoodReloadThenOkOnce) {
    set_self_subject("host1");
    ReloadStatus reload("evtool");
    EXPECT_EQ(reload.succeeded(), "");
    EXPECT_EQ(reload.repeat(), "");
    std::string failed = reload.failed("rules:1: syntax error");
    simdjson::dom::parser parser;
    simdjson::dom::element e = parser.parse(failed);
    EXPECT_EQ(std::string_view(e["type"]), "status");
    EXPECT_EQ(std::string_view(e["name"]), "evkit.evtool.reload");
    EXPECT_EQ(std::string_view(e["subject"]), "host1");
    EXPECT_EQ(std::string_view(e["state"]), "warning");
    EXPECT_EQ(std::string_view(e["message"]), "rules:1: syntax error");
    EXPECT_EQ(double(e["ttl"]), k_self_status_ttl);
    EXPECT_TRUE(reload.failing());
    EXPECT_NE(reload.repeat().find("\"warning\""), std::string::npos);
    std::string ok = reload.succeeded();
    e = parser.parse(ok);
    EXPECT_EQ(std::string_view(e["state"]), "ok");
    EXPECT_FALSE(reload.failing());
    EXPECT_EQ(reload.succeeded(), "");
}

TEST(MetricWord, KeepsSafeCharactersOnly) {
    EXPECT_EQ(metric_word("file alerts.ndjson"), "file_alerts_ndjson");
    EXPECT_EQ(metric_word("sink-1_a"), "sink-1_a");
}

}  // namespace
}  // namespace ev
