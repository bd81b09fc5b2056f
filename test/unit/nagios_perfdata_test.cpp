#include "nagios/perfdata.h"

#include <gtest/gtest.h>

#include <chrono>
#include <string>

#include "core/json.h"
#include "nagios/number.h"

namespace ev::nagios {
namespace {

PerfItem only(std::string_view text) {
    Perfdata p = parse_perfdata(text);
    EXPECT_TRUE(p.problems.empty()) << text << ": " << (p.problems.empty() ? "" : p.problems.front());
    EXPECT_EQ(p.items.size(), 1u) << text;
    return p.items.empty() ? PerfItem{} : p.items.front();
}

TEST(NagiosPerfdata, FullItem) {
    PerfItem item = only("time=0.5s;1;2;0;10");
    EXPECT_EQ(item.label, "time");
    EXPECT_EQ(item.value, 0.5);
    EXPECT_EQ(item.unit, "s");
    EXPECT_EQ(item.warn, "1");
    EXPECT_EQ(item.crit, "2");
    EXPECT_EQ(item.min, 0);
    EXPECT_EQ(item.max, 10);
}

TEST(NagiosPerfdata, DroppedAndEmptyTrailingFields) {
    PerfItem a = only("users=0");
    EXPECT_EQ(a.value, 0);
    EXPECT_TRUE(a.warn.empty());
    EXPECT_FALSE(a.min.has_value());
    PerfItem b = only("procs=79;;;0;");
    EXPECT_EQ(b.min, 0);
    EXPECT_FALSE(b.max.has_value());
    EXPECT_TRUE(b.warn.empty());
    PerfItem c = only("load1=0.770;5.000;10.000;0;");
    EXPECT_EQ(c.warn, "5.000");
    EXPECT_EQ(c.crit, "10.000");
}

TEST(NagiosPerfdata, QuotedLabelsWithSpacesAndEscapedQuotes) {
    EXPECT_EQ(only("'disk C:\\ used'=5GB").label, "disk C:\\ used");
    EXPECT_EQ(only("'it''s'=1").label, "it's");
    EXPECT_EQ(only("''''=1").label, "'");
    EXPECT_EQ(only("'a=b;c'=1;2").label, "a=b;c");
    Perfdata two = parse_perfdata("'a b'=1 'c d'=2");
    ASSERT_EQ(two.items.size(), 2u);
    EXPECT_EQ(two.items[1].label, "c d");
}

TEST(NagiosPerfdata, UnknownValue) {
    PerfItem item = only("rta=U;100;500");
    EXPECT_FALSE(item.value.has_value());
    EXPECT_TRUE(item.unit.empty());
    EXPECT_EQ(item.crit, "500");
}

TEST(NagiosPerfdata, UnitsKeptAsWritten) {
    for (const char* unit : {"s", "ms", "us", "%", "B", "KB", "MB", "GB", "TB", "c", "KiB", "req/s", "°C"}) {
        PerfItem item = only(std::string("x=12") + unit);
        EXPECT_EQ(item.unit, unit);
        EXPECT_EQ(item.value, 12);
    }
    EXPECT_EQ(only("x=12").unit, "");
}

TEST(NagiosPerfdata, NumberForms) {
    EXPECT_EQ(only("x=-3").value, -3);
    EXPECT_EQ(only("x=+3").value, 3);
    EXPECT_EQ(only("x=.5").value, 0.5);
    EXPECT_EQ(only("x=5.").value, 5);
    EXPECT_EQ(only("x=1e3").value, 1000);
    EXPECT_EQ(only("x=1.5E-3s").unit, "s");
    PerfItem e = only("x=5e");  // no exponent digits: the unit is "e"
    EXPECT_EQ(e.value, 5);
    EXPECT_EQ(e.unit, "e");
}

TEST(NagiosPerfdata, RangesInThresholds) {
    PerfItem item = only("x=5;@10:20;~:30");
    EXPECT_EQ(item.warn, "@10:20");
    EXPECT_EQ(item.crit, "~:30");
    EXPECT_EQ(only("x=5;10:;20:").warn, "10:");
}

TEST(NagiosPerfdata, MalformedItemSkippedRestKept) {
    Perfdata p = parse_perfdata("a=1 broken b=x c=1,5 d=2;10:5 e=3;;;z f='g 'h=1 i=4");
    std::vector<std::string> labels;
    for (const auto& item : p.items) {
        labels.push_back(item.label);
    }
    EXPECT_EQ(labels, (std::vector<std::string>{"a", "i"}));
    ASSERT_EQ(p.problems.size(), 7u);
    EXPECT_EQ(p.problems[0], "item 'broken': no '='");
    EXPECT_EQ(p.problems[1], "item 'b=x': bad value 'x'");
    EXPECT_EQ(p.problems[2], "item 'c=1,5': bad value '1,5'");
    EXPECT_EQ(p.problems[3], "item 'd=2;10:5': bad warning threshold '10:5': range start 10 is above its end 5");
    EXPECT_EQ(p.problems[4], "item 'e=3;;;z': bad min 'z'");
    EXPECT_EQ(p.problems[5], "item 'f='g': bad value ''g'");
    EXPECT_EQ(p.problems[6], "item ''h=1': unterminated quoted label");
}

// Items of any size are parsed in one pass, and a problem quotes at most a
// short escaped prefix of the item (a 10 MB item must not make a 10 MB report).
TEST(NagiosPerfdata, HugeItemsAreLinearAndQuotedShort) {
    const std::string big(10 << 20, 'x');
    auto started = std::chrono::steady_clock::now();
    Perfdata quoted = parse_perfdata("'" + big + "'=1 b=2");
    ASSERT_EQ(quoted.items.size(), 2u);
    EXPECT_EQ(quoted.items[0].label.size(), big.size());
    Perfdata plain = parse_perfdata(big + "=1");
    ASSERT_EQ(plain.items.size(), 1u);
    Perfdata no_eq = parse_perfdata("a=1 " + big + " b=2");
    ASSERT_EQ(no_eq.problems.size(), 1u);
    EXPECT_EQ(no_eq.problems[0], "item '" + std::string(64, 'x') + "...': no '='");
    Perfdata bad_value = parse_perfdata("a=" + big);
    ASSERT_EQ(bad_value.problems.size(), 1u);
    EXPECT_EQ(bad_value.problems[0],
              "item 'a=" + std::string(62, 'x') + "...': bad value '" + std::string(64, 'x') + "...'");
    // An unterminated quote scans to the end once, then the items after it are read.
    std::string spaced;
    for (int i = 0; i < (1 << 20); ++i) {
        spaced += "'' ";
    }
    Perfdata unterminated = parse_perfdata("'a " + spaced + "c=1");
    EXPECT_EQ(unterminated.items.back().label, "c");
    // Many quotes, pairs and separators in one item.
    Perfdata quotes = parse_perfdata("'" + std::string(10 << 20, '\'') + "=1");
    EXPECT_EQ(quotes.items.size() + quotes.problems.size(), 1u);
    double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
    EXPECT_LT(seconds, 10.0);  // linear: well under a second; quadratic: hours
}

TEST(NagiosPerfdata, ItemsAndProblemsAreCapped) {
    std::string many;
    for (std::size_t i = 0; i < 2 * k_max_perf_items; ++i) {
        many += "a=1 ";
    }
    Perfdata p = parse_perfdata(many);
    EXPECT_EQ(p.items.size(), k_max_perf_items);
    EXPECT_TRUE(p.items_cut);
    EXPECT_EQ(p.problems, (std::vector<std::string>{"more than 10000 items: the rest are skipped"}));
    // The cap holds across the texts of one run (perfdata on several lines).
    parse_perfdata_into("b=2", p);
    EXPECT_EQ(p.items.size(), k_max_perf_items);
    EXPECT_EQ(p.problems.size(), 1u);

    std::string broken;
    for (std::size_t i = 0; i < 3 * k_max_perf_problems; ++i) {
        broken += "x ";
    }
    Perfdata q = parse_perfdata("a=1 " + broken + "b=2");
    EXPECT_EQ(q.items.size(), 2u);
    ASSERT_EQ(q.problems.size(), k_max_perf_problems + 1);
    EXPECT_EQ(q.problems[0], "item 'x': no '='");
    EXPECT_EQ(q.problems.back(), "more than 100 malformed items: the others are not listed");
}

TEST(NagiosPerfdata, ProblemsAreEscaped) {
    Perfdata p = parse_perfdata("a=\x1b[2J b=1;\x07");
    ASSERT_EQ(p.problems.size(), 2u);
    EXPECT_EQ(p.problems[0], "item 'a=\\x1b[2J': bad value '\\x1b[2J'");
    EXPECT_EQ(p.problems[1], "item 'b=1;\\x07': bad warning threshold '\\x07': bad range end '\\x07'");
}

TEST(NagiosPerfdata, UnterminatedQuoteAndEmptyLabel) {
    Perfdata p = parse_perfdata("'abc=1 =2 ''=3");
    EXPECT_TRUE(p.items.empty());
    ASSERT_EQ(p.problems.size(), 3u);
    EXPECT_EQ(p.problems[0], "item ''abc=1': unterminated quoted label");
    EXPECT_EQ(p.problems[1], "item '=2': empty label");
    EXPECT_EQ(p.problems[2], "item '''=3': empty label");
}

TEST(NagiosPerfdata, TooManyFieldsButTrailingSemicolonOk) {
    EXPECT_EQ(only("x=1;2;3;4;5;").max, 5);
    Perfdata p = parse_perfdata("x=1;2;3;4;5;6");
    EXPECT_TRUE(p.items.empty());
    EXPECT_EQ(p.problems.size(), 1u);
}

TEST(NagiosPerfdata, WhitespaceOfAnyKindSeparates) {
    Perfdata p = parse_perfdata("  a=1\t\tb=2 \n c=3  ");
    EXPECT_EQ(p.items.size(), 3u);
    EXPECT_TRUE(p.problems.empty());
    EXPECT_TRUE(parse_perfdata("").items.empty());
}

// Nested in an event, so keys are in byte order.
std::string nested(const PerfItem& item) {
    Json j = Json::object();
    j.set("p", perf_item_json(item));
    return to_canonical(j);
}

TEST(NagiosPerfdata, JsonShape) {
    EXPECT_EQ(nested(only("'a b'=U;1;@2:3")),
              R"({"p":{"crit":"@2:3","label":"a b","max":null,"min":null,"unit":null,"value":null,"warn":"1"}})");
    EXPECT_EQ(nested(only("x=1.5MB;;;0;100")),
              R"({"p":{"crit":null,"label":"x","max":100,"min":0,"unit":"MB","value":1.5,"warn":null}})");
}

TEST(NagiosPerfdata, InvalidUtf8LabelsAreRepaired) {
    Json j = perf_item_json(only("'\xff\xfe'=1"));
    EXPECT_EQ(j.find("label")->as_string(), "\xEF\xBF\xBD\xEF\xBF\xBD");
}

TEST(NagiosNumber, PrefixAndWhole) {
    EXPECT_FALSE(parse_number("").has_value());
    EXPECT_FALSE(parse_number("-").has_value());
    EXPECT_FALSE(parse_number(".").has_value());
    EXPECT_FALSE(parse_number("inf").has_value());
    EXPECT_FALSE(parse_number("0x10").has_value());
    EXPECT_FALSE(parse_number("1e999").has_value());
    EXPECT_EQ(parse_number("-0.25"), -0.25);
    auto p = parse_number_prefix("12.5kB");
    ASSERT_TRUE(p.has_value());
    EXPECT_EQ(p->second, 4u);
}

}  // namespace
}  // namespace ev::nagios
