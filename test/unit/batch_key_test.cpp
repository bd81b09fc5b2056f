// Tests for lib/batch/key.cpp: --by as fields or as an expression.
#include <gtest/gtest.h>
#include <simdjson.h>

#include "batch/key.h"

namespace ev::batch {
namespace {

std::string key_of(const char* by, const std::string& json, std::string_view state = "critical") {
    simdjson::dom::parser parser;
    auto key = GroupKey::parse(by, wall_clock());
    EXPECT_TRUE(key.ok()) << key.error();
    std::string out;
    key->build(parser.parse(json).value(), state, out);
    return out;
}

TEST(BatchKey, FieldsJoinWithSlash) {
    EXPECT_EQ(key_of("name,state", R"({"name":"check_ping","state":"critical"})"), "check_ping/critical");
    EXPECT_EQ(key_of("tags.dc, name", R"({"name":"x","tags":{"dc":"ams"}})"), "ams/x");
    EXPECT_EQ(key_of("name,tags.missing", R"({"name":"x"})"), "x/");
    EXPECT_EQ(key_of("severity", R"({"severity":2})"), "2");
    // An object in the key is encoded as a nested value: keys in byte
    // order, never the event order that puts id and subject first.
    EXPECT_EQ(key_of("data", R"({"data":{"subject":"s","id":"i","a":1}})"), R"({"a":1,"id":"i","subject":"s"})");
    EXPECT_EQ(key_of("coalesce(data, 1)", R"({"data":{"subject":"s","id":"i"}})"), R"({"id":"i","subject":"s"})");
}

TEST(BatchKey, StateFieldUsesTheNormalisedState) {
    EXPECT_EQ(key_of("name,state", R"({"name":"x","severity":1})", "warning"), "x/warning");
}

TEST(BatchKey, ExpressionValue) {
    auto key = GroupKey::parse("[upper(tags.dc), severity >= 2]", wall_clock());
    ASSERT_TRUE(key.ok());
    EXPECT_TRUE(key->is_expression());
    EXPECT_EQ(key_of("[upper(tags.dc), severity >= 2]", R"({"severity":2,"tags":{"dc":"ams"}})"), R"(["AMS",true])");
    EXPECT_EQ(key_of("lower(subject)", R"({"subject":"WEB1"})"), "web1");
}

TEST(BatchKey, BadByIsAnError) {
    auto key = GroupKey::parse("name ==", wall_clock());
    ASSERT_FALSE(key.ok());
    EXPECT_EQ(key.error().rfind("--by is neither a list of fields nor an expression: ", 0), 0u) << key.error();
}

}  // namespace
}  // namespace ev::batch
