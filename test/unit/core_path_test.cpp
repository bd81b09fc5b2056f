#include "core/path.h"

#include <gtest/gtest.h>

namespace {

TEST(Path, ParsesAllForms) {
    auto path = ev::Path::parse(R"(data.changes[0]["odd key"].to)");
    ASSERT_TRUE(path.ok()) << path.error();
    ASSERT_EQ(path->steps().size(), 5u);
    EXPECT_EQ(path->steps()[0].key, "data");
    EXPECT_EQ(path->steps()[1].key, "changes");
    EXPECT_EQ(path->steps()[2].kind, ev::PathStep::Kind::index);
    EXPECT_EQ(path->steps()[2].index, 0u);
    EXPECT_EQ(path->steps()[3].key, "odd key");
    EXPECT_EQ(path->steps()[4].key, "to");
    EXPECT_EQ(path->to_string(), R"(data.changes[0]["odd key"].to)");
}

TEST(Path, RejectsMalformed) {
    for (const char* bad : {"", ".a", "a.", "a..b", "a[", "a[x]", "a[\"x\"", "1a", "a b"}) {
        EXPECT_FALSE(ev::Path::parse(bad).ok()) << bad;
    }
    EXPECT_EQ(ev::Path::parse("a..b").error(), "bad path 'a..b' at offset 2: expected a field name");
}

TEST(Path, LooksUpInParsedEvents) {
    simdjson::dom::parser parser;
    simdjson::padded_string text(std::string(R"({"tags":{"role":"web","odd key":1},"list":[{"to":"x"}]})"));
    auto root = parser.parse(text).value();
    EXPECT_EQ(std::string_view(ev::Path::parse("tags.role")->lookup(root)->get_string().value()), "web");
    EXPECT_EQ(ev::Path::parse(R"(tags["odd key"])")->lookup(root)->get_int64().value(), 1);
    EXPECT_EQ(std::string_view(ev::Path::parse("list[0].to")->lookup(root)->get_string().value()), "x");
    EXPECT_FALSE(ev::Path::parse("list[1].to")->lookup(root).has_value());
    EXPECT_FALSE(ev::Path::parse("tags.role.x")->lookup(root).has_value());
}

}  // namespace
