#include "rpc/schema.h"

#include <gtest/gtest.h>

namespace ev::rpc {
namespace {

const char* k_schema = R"({
  "description": "restart a service",
  "command": ["restart.sh", "--quiet"],
  "timeout": "30s",
  "inputs": {
    "name": {"type": "string", "required": true, "regex": "[a-z][a-z0-9-]*", "max_length": 8},
    "count": {"type": "integer", "min": 1, "max": 5},
    "ratio": {"type": "number", "max": 1},
    "force": {"type": "boolean"},
    "mode": {"type": "string", "enum": ["soft", "hard"]},
    "opt": {"type": "string", "allow_dash": true}
  },
  "outputs": {"pid": {"description": "new pid", "aggregate": "summary"}}
})";

ActionSchema schema() {
    auto s = parse_schema(k_schema, "service", "restart");
    EXPECT_TRUE(s) << s.error();
    return *s;
}

std::string check(std::string_view inputs) {
    auto json = parse_json(inputs);
    EXPECT_TRUE(json);
    auto r = validate_inputs(schema(), *json);
    return r ? "ok" : r.error();
}

TEST(Schema, ParsesEveryPart) {
    ActionSchema s = schema();
    EXPECT_EQ(s.command, (std::vector<std::string>{"restart.sh", "--quiet"}));
    EXPECT_EQ(s.timeout, 30);
    ASSERT_EQ(s.inputs.size(), 6u);
    EXPECT_EQ(s.inputs[0].name, "name");
    EXPECT_TRUE(s.inputs[0].required);
    EXPECT_EQ(s.inputs[0].max_length, 8u);
    ASSERT_EQ(s.outputs.size(), 1u);
    EXPECT_EQ(s.outputs[0].aggregate, OutputSpec::Aggregate::summary);
}

TEST(Schema, ValidInputsPass) {
    EXPECT_EQ(check(R"({"name":"nginx"})"), "ok");
    EXPECT_EQ(check(R"({"name":"nginx","count":5,"ratio":0.5,"force":true,"mode":"hard","opt":"-x"})"), "ok");
}

TEST(Schema, EachRuleRefuses) {
    EXPECT_EQ(check(R"({})"), "input name: required");
    EXPECT_EQ(check(R"({"name":"nginx","x":1})"), "input x: not declared by service.restart");
    EXPECT_EQ(check(R"({"name":"Nginx"})"), "input name: does not match [a-z][a-z0-9-]*");
    EXPECT_EQ(check(R"({"name":"averyverylongname"})"), "input name: longer than 8 bytes");
    EXPECT_EQ(check(R"({"name":"-rf"})"), "input name: begins with '-' (the schema does not allow it: allow_dash)");
    EXPECT_EQ(check(R"({"name":"a","count":0})"), "input count: below the minimum 1");
    EXPECT_EQ(check(R"({"name":"a","count":1.5})"), "input count: not an integer");
    EXPECT_EQ(check(R"({"name":"a","ratio":2})"), "input ratio: above the maximum 1");
    EXPECT_EQ(check(R"({"name":"a","force":"yes"})"), "input force: not true or false");
    EXPECT_EQ(check(R"({"name":"a","mode":"medium"})"), "input mode: not one of the allowed values");
    EXPECT_EQ(check(R"({"name":"a","opt":"x\n; rm -rf /"})"), "ok");  // data, never a command line
}

TEST(Schema, BadSchemasSayWhy) {
    EXPECT_EQ(parse_schema("[]", "a", "b").error(), "not a JSON object");
    EXPECT_EQ(parse_schema(R"({"colour":1})", "a", "b").error(), "unknown key \"colour\"");
    EXPECT_EQ(parse_schema(R"({"inputs":{"x":{"type":"list"}}})", "a", "b").error(),
              "inputs.x.type is not string, integer, number or boolean");
    EXPECT_EQ(parse_schema(R"({"inputs":{"x":{"regex":"("}}})", "a", "b").error().substr(0, 15), "inputs.x.regex:");
    EXPECT_EQ(parse_schema(R"({"timeout":0})", "a", "b").error(), "timeout is not above zero");
    EXPECT_EQ(parse_schema(R"({"outputs":{"x":{"aggregate":"max"}}})", "a", "b").error(),
              "outputs.x.aggregate is not summary, average, sum or none");
}

TEST(Schema, InputValuesAreTypedFromText) {
    ActionSchema s = schema();
    EXPECT_EQ(*input_value(s.inputs[1], "3"), Json(int64_t{3}));
    EXPECT_FALSE(input_value(s.inputs[1], "3x"));
    EXPECT_EQ(*input_value(s.inputs[3], "true"), Json(true));
    EXPECT_EQ(*input_value(s.inputs[0], "-v"), Json("-v"));
}

}  // namespace
}  // namespace ev::rpc
