// Tests for lib/route/callback.cpp: the EV_* environment of a call.
#include <gtest/gtest.h>

#include <simdjson.h>

#include "route/callback.h"

namespace ev::route {
namespace {

std::vector<std::string> env_of(const std::string& json) {
    simdjson::dom::parser parser;
    simdjson::dom::element root = parser.parse(json);
    return callback_environment(root);
}

// The variables every call gets, in order, before any EV_TAG_*.
constexpr std::size_t k_fixed = 9;

std::string value_of(const std::vector<std::string>& env, const std::string& name) {
    for (const std::string& entry : env) {
        if (entry.rfind(name + "=", 0) == 0) {
            return entry.substr(name.size() + 1);
        }
    }
    return "<absent>";
}

TEST(RouteCallback, EnvironmentFromFields) {
    EXPECT_EQ(env_of(R"({"id":"01X","subject":"web1","name":"Service[httpd]","type":"alert","state":"ok",)"
                     R"("previous":"critical","reason":"transition","message":"back","since":1700000000.5})"),
              (std::vector<std::string>{"EV_SUBJECT=web1", "EV_NAME=Service[httpd]", "EV_TYPE=alert", "EV_STATE=ok",
                                        "EV_PREVIOUS=critical", "EV_REASON=transition", "EV_MESSAGE=back",
                                        "EV_SINCE=1700000000.5", "EV_ID=01X"}));
}

TEST(RouteCallback, StateFromSeverityAndMissingFieldsEmpty) {
    EXPECT_EQ(env_of(R"({"severity":2,"subject":5})"),
              (std::vector<std::string>{"EV_SUBJECT=", "EV_NAME=", "EV_TYPE=", "EV_STATE=critical",
                                        "EV_PREVIOUS=", "EV_REASON=", "EV_MESSAGE=", "EV_SINCE=", "EV_ID="}));
}

TEST(RouteCallback, ValuesAreEscapedNeverShellOrLines) {
    // Nothing is interpreted (no shell sees it); control characters are escaped.
    EXPECT_EQ(env_of(R"({"subject":"a $(rm -rf /) \"q\"\nb"})")[0], "EV_SUBJECT=a $(rm -rf /) \"q\"\\nb");
    EXPECT_EQ(env_of(R"({"subject":"cut\u0000here\u001b[2J"})")[0], "EV_SUBJECT=cut\\x00here\\x1b[2J");
    EXPECT_EQ(env_of(R"({"message":"a|b \\ c\u202e"})")[6], "EV_MESSAGE=a\\x7cb \\\\ c\\u{202e}");
}

TEST(RouteCallback, ValuesCappedAtACharacterBoundary) {
    std::string huge(100000, 'x');
    auto env = env_of(R"({"message":")" + huge + R"("})");
    EXPECT_EQ(env[6], "EV_MESSAGE=" + std::string(k_env_value_bytes, 'x'));
    // A 3-byte character that would cross the cap is left out whole.
    std::string euros;
    for (int i = 0; i < 2000; ++i) {
        euros += "\u20ac";
    }
    std::string cut = value_of(env_of(R"({"message":")" + euros + R"("})"), "EV_MESSAGE");
    EXPECT_EQ(cut.size(), k_env_value_bytes / 3 * 3);
    // An escape is never cut in half either.
    std::string newlines;
    for (int i = 0; i < 3000; ++i) {
        newlines += "\\n";
    }
    std::string escaped = value_of(env_of(R"({"message":")" + newlines + R"("})"), "EV_MESSAGE");
    EXPECT_EQ(escaped.size(), k_env_value_bytes);
    EXPECT_EQ(escaped.substr(escaped.size() - 2), "\\n");
}

TEST(RouteCallback, TagsSanitisedSortedCollisionsAndCap) {
    auto env = env_of(R"({"tags":{"role":"web","dc-1":"x","DC.1":"first","deploy version":"1.2\n","n":5}})");
    ASSERT_EQ(env.size(), k_fixed + 3);
    EXPECT_EQ(value_of(env, "EV_TAG_ROLE"), "web");
    // "DC.1" sorts before "dc-1" in byte order: it wins the shared name.
    EXPECT_EQ(value_of(env, "EV_TAG_DC_1"), "first");
    EXPECT_EQ(value_of(env, "EV_TAG_DEPLOY_VERSION"), "1.2\\n");
    EXPECT_EQ(value_of(env, "EV_TAG_N"), "<absent>");  // not a string

    std::string many = R"({"tags":{)";
    for (int i = 0; i < 500; ++i) {
        many += (i > 0 ? "," : "") + std::string("\"k") + std::to_string(1000 + i) + "\":\"v\"";
    }
    many += "}}";
    auto capped = env_of(many);
    ASSERT_EQ(capped.size(), k_fixed + k_env_tags);
    EXPECT_EQ(capped[k_fixed], "EV_TAG_K1000=v");
}

}  // namespace
}  // namespace ev::route
