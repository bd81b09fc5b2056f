#include "filter/keep.h"

#include <gtest/gtest.h>

namespace {

std::string keep(const std::string& json, const std::vector<std::string>& paths) {
    std::vector<ev::Path> parsed;
    for (const auto& p : paths) {
        parsed.push_back(ev::Path::parse(p).value());
    }
    auto keeper = ev::filter::Keeper::make(std::move(parsed));
    EXPECT_TRUE(keeper.ok()) << keeper.error();
    simdjson::dom::parser parser;
    simdjson::padded_string padded(json);
    auto root = parser.parse(padded).value();
    std::string out;
    keeper->write(root, out);
    return out;
}

TEST(Keeper, WritesOnlyTheNamedFieldsInCanonicalOrder) {
    EXPECT_EQ(keep(R"({"zeta":1,"message":"m","subject":"s","data":{"b":1,"a":2},"x":0})",
                   {"zeta", "data", "subject", "message"}),
              R"({"subject":"s","message":"m","data":{"a":2,"b":1},"zeta":1})");
}

TEST(Keeper, NestedPathsKeepOnlyWhatLiesBelow) {
    EXPECT_EQ(keep(R"({"tags":{"env":"prod","role":"db","dc":"ams"},"name":"n"})", {"tags.role", "tags.dc"}),
              R"({"tags":{"dc":"ams","role":"db"}})");
    // A whole field and a path below it: the whole field wins.
    EXPECT_EQ(keep(R"({"tags":{"env":"prod","role":"db"}})", {"tags.role", "tags"}),
              R"({"tags":{"env":"prod","role":"db"}})");
}

TEST(Keeper, MissingFieldsWriteNothing) {
    EXPECT_EQ(keep(R"({"a":1})", {"b"}), "{}");
    EXPECT_EQ(keep(R"({"tags":{"env":"prod"}})", {"tags.role"}), "{}");
    EXPECT_EQ(keep(R"({"tags":"scalar","a":1})", {"tags.role", "a"}), R"({"a":1})");
    EXPECT_EQ(keep(R"({"a":null})", {"a"}), R"({"a":null})");
}

TEST(Keeper, DuplicateKeysKeepTheirOrder) {
    EXPECT_EQ(keep(R"({"x":1,"y":0,"x":2})", {"x"}), R"({"x":1,"x":2})");
}

TEST(Keeper, RefusesIndexStepsAndTooManyPaths) {
    EXPECT_FALSE(ev::filter::Keeper::make({ev::Path::parse("data.list[0]").value()}).ok());
    std::vector<ev::Path> many(65, ev::Path::parse("a").value());
    EXPECT_FALSE(ev::filter::Keeper::make(std::move(many)).ok());
}

TEST(Keeper, ReusesItsScratchAcrossEventsOfDifferentShapes) {
    auto keeper = ev::filter::Keeper::make({ev::Path::parse("a.b.c").value(), ev::Path::parse("d").value()});
    ASSERT_TRUE(keeper.ok());
    simdjson::dom::parser parser;
    const char* events[] = {R"({"a":{"b":{"c":1,"x":2}},"d":3})", R"({"d":[1]})", R"({"a":{"b":{"c":{"deep":true}}}})"};
    const char* want[] = {R"({"a":{"b":{"c":1}},"d":3})", R"({"d":[1]})", R"({"a":{"b":{"c":{"deep":true}}}})"};
    for (int i = 0; i < 3; ++i) {
        std::string out;
        keeper->write(parser.parse(std::string(events[i])).value(), out);
        EXPECT_EQ(out, want[i]);
    }
}

}  // namespace
