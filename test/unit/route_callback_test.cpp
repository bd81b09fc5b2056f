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

TEST(RouteCallback, EnvironmentFromFields) {
    EXPECT_EQ(env_of(R"({"id":"01X","subject":"web1","name":"Service[httpd]","type":"status","state":"ok"})"),
              (std::vector<std::string>{"EV_SUBJECT=web1", "EV_NAME=Service[httpd]", "EV_TYPE=status", "EV_STATE=ok",
                                        "EV_ID=01X"}));
}

TEST(RouteCallback, StateFromSeverityAndMissingFieldsEmpty) {
    EXPECT_EQ(env_of(R"({"severity":2,"subject":5})"),
              (std::vector<std::string>{"EV_SUBJECT=", "EV_NAME=", "EV_TYPE=", "EV_STATE=critical", "EV_ID="}));
}

TEST(RouteCallback, ValuesPassUnchanged) {
    EXPECT_EQ(env_of(R"({"subject":"a $(rm -rf /) \"q\"\nb"})")[0], "EV_SUBJECT=a $(rm -rf /) \"q\"\nb");
    EXPECT_EQ(env_of(R"({"subject":"cut\u0000here"})")[0], "EV_SUBJECT=cut");
}

}  // namespace
}  // namespace ev::route
