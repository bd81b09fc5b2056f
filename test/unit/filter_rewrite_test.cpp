#include "filter/rewrite.h"

#include <gtest/gtest.h>

#include "filter/filter.h"

namespace {

std::string rewrite(const std::string& json, const std::vector<std::pair<std::string, std::string>>& sets,
                    const std::vector<std::string>& dels = {}) {
    std::vector<ev::filter::Edit> edits;
    for (const auto& [path, value] : sets) {
        edits.push_back({ev::Path::parse(path).value(), false, value});
    }
    for (const auto& path : dels) {
        edits.push_back({ev::Path::parse(path).value(), true, {}});
    }
    simdjson::dom::parser parser;
    simdjson::padded_string padded(json);
    auto root = parser.parse(padded).value();
    std::string out;
    ev::filter::Rewriter rewriter;
    rewriter.write(root, edits, out);
    return out;
}

TEST(Rewriter, NoEditsGivesCanonicalForm) {
    EXPECT_EQ(rewrite(R"({"b":1,"name":"n","a":{"z":1,"y":2},"id":"i"})", {}),
              R"({"id":"i","name":"n","a":{"y":2,"z":1},"b":1})");
}

TEST(Rewriter, SetsReplaceAndCreate) {
    EXPECT_EQ(rewrite(R"({"tags":{"a":"1"}})", {{"tags.env", R"("prod")"}, {"x.y.z", "1"}}),
              R"({"tags":{"a":"1","env":"prod"},"x":{"y":{"z":1}}})");
    EXPECT_EQ(rewrite(R"({"tags":"scalar"})", {{"tags.env", "1"}}), R"({"tags":{"env":1}})");
}

TEST(Rewriter, IndexStepsReachOnlyExistingElements) {
    EXPECT_EQ(rewrite(R"({"l":[1,{"a":1},3]})", {{"l[1].a", "2"}, {"l[2]", "4"}, {"l[9]", "0"}, {"m[0]", "0"}}),
              R"({"l":[1,{"a":2},4]})");
}

TEST(Rewriter, DeletesAfterSetsAndOfArrayElements) {
    EXPECT_EQ(rewrite(R"({"a":1,"b":{"c":2,"d":3},"l":[1,2,3]})", {{"a", "5"}}, {"a", "b.c", "l[1]", "nope.x"}),
              R"({"b":{"d":3},"l":[1,3]})");
}

TEST(Rewriter, SetAfterDeleteStartsAfresh) {
    EXPECT_EQ(rewrite(R"({"t":{"x":1}})", {{"t", "null"}, {"t2.k", "1"}}, {"t2"}), R"({"t":null})");
}

TEST(Assignment, SplitsAtFirstEqualsOutsideQuotes) {
    auto a = ev::filter::parse_assignment(R"(tags["a=b"] = x == 1)");
    ASSERT_TRUE(a.ok()) << a.error();
    EXPECT_EQ(a->path.steps()[1].key, "a=b");
    EXPECT_EQ(a->expression, "x == 1");
    EXPECT_FALSE(ev::filter::parse_assignment("nopath").ok());
    EXPECT_FALSE(ev::filter::parse_assignment("a=").ok());
    EXPECT_FALSE(ev::filter::parse_assignment("1a=2").ok());
}

}  // namespace

namespace {

TEST(Rewriter, SkippedEditsLeaveTheFieldAsItWas) {
    // A --set whose value failed is marked skip for that event: the field
    // keeps its old value (or stays missing), the other edits still apply.
    std::vector<ev::filter::Edit> edits;
    edits.push_back({ev::Path::parse("name").value(), false, "\"new\""});
    edits.push_back({ev::Path::parse("x").value(), false, "1"});
    edits.push_back({ev::Path::parse("tags.a").value(), false, "2"});
    edits[0].skip = true;
    edits[2].skip = true;
    simdjson::dom::parser parser;
    simdjson::padded_string padded(std::string(R"({"name":"old"})"));
    auto root = parser.parse(padded).value();
    std::string out;
    ev::filter::Rewriter rewriter;
    rewriter.write(root, edits, out);
    EXPECT_EQ(out, R"({"name":"old","x":1})");
}

}  // namespace
