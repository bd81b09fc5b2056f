// Tests for lib/expr/evaluator.cpp: value semantics (truthiness, equality,
// ordering, encoding) and the nodes, built directly without the parser.
#include <gtest/gtest.h>
#include <simdjson.h>

#include "expr/evaluator.h"

namespace {

using ev::expr::BinaryOp;
using ev::expr::Value;
namespace expr = ev::expr;

class ExprEvaluator : public ::testing::Test {
protected:
    Value field(std::string_view json_text) {
        m_docs.emplace_back(std::make_unique<simdjson::dom::parser>());
        simdjson::dom::element e = m_docs.back()->parse(json_text.data(), json_text.size()).value();
        return Value::of_element(e);
    }
    std::string json(const Value& v) {
        std::string out;
        expr::write_json(v, out);
        return out;
    }
    Value eval(expr::Node& node, std::string_view event = "{}") {
        m_docs.emplace_back(std::make_unique<simdjson::dom::parser>());
        expr::Context ctx;
        ctx.event = m_docs.back()->parse(event.data(), event.size()).value();
        ctx.clock = &m_clock;
        return node.eval(ctx);
    }
    std::vector<expr::NodePtr> args(expr::NodePtr a, expr::NodePtr b = nullptr) {
        std::vector<expr::NodePtr> out;
        out.push_back(std::move(a));
        if (b) {
            out.push_back(std::move(b));
        }
        return out;
    }
    static expr::NodePtr str(std::string_view s) { return expr::make_constant(Value::of_string(s)); }
    static expr::NodePtr num(double n) { return expr::make_constant(Value::of_number(n)); }
    static expr::NodePtr path(std::string_view p) { return expr::make_path(ev::Path::parse(p).value()); }

    std::vector<std::unique_ptr<simdjson::dom::parser>> m_docs;
    ev::ManualClock m_clock{42};
};

TEST_F(ExprEvaluator, Truthiness) {
    EXPECT_FALSE(expr::truthy(Value::null()));
    EXPECT_FALSE(expr::truthy(Value::of_bool(false)));
    EXPECT_TRUE(expr::truthy(Value::of_bool(true)));
    EXPECT_TRUE(expr::truthy(Value::of_number(0)));
    EXPECT_TRUE(expr::truthy(Value::of_string("")));
    EXPECT_TRUE(expr::truthy(field("[]")));
    EXPECT_TRUE(expr::truthy(field("{}")));
    EXPECT_FALSE(expr::truthy(field("null")));
}

TEST_F(ExprEvaluator, Equality) {
    EXPECT_TRUE(expr::equals(field("1"), Value::of_number(1.0)));
    EXPECT_TRUE(expr::equals(field("1.0"), field("1")));
    EXPECT_FALSE(expr::equals(field("\"1\""), Value::of_number(1)));
    EXPECT_TRUE(expr::equals(field("null"), Value::null()));
    EXPECT_TRUE(expr::equals(field(R"({"a":[1,{"b":null}]})"), field(R"({"a":[1.0,{"b":null}]})")));
    EXPECT_FALSE(expr::equals(field(R"({"a":1})"), field(R"({"b":1})")));
    std::vector<Value> items = {Value::of_number(1), Value::of_string("x")};
    EXPECT_TRUE(expr::equals(field(R"([1,"x"])"), Value::of_list(&items)));
    EXPECT_TRUE(expr::equals(Value::of_list(&items), field(R"([1,"x"])")));
    EXPECT_FALSE(expr::equals(Value::of_list(&items), field(R"([1,"x",2])")));
}

TEST_F(ExprEvaluator, Ordering) {
    EXPECT_EQ(expr::order(Value::of_number(1), field("2")), -1);
    EXPECT_EQ(expr::order(Value::of_string("b"), Value::of_string("a")), 1);
    EXPECT_EQ(expr::order(Value::of_string("\xc3\xa9"), Value::of_string("z")), 1);  // bytewise
    EXPECT_FALSE(expr::order(Value::of_string("1"), Value::of_number(1)).has_value());
    EXPECT_FALSE(expr::order(Value::null(), Value::null()).has_value());
    EXPECT_FALSE(expr::order(Value::of_bool(false), Value::of_bool(true)).has_value());
}

TEST_F(ExprEvaluator, Arithmetic) {
    EXPECT_EQ(json(expr::apply_binary(BinaryOp::add, Value::of_number(1), field("2.5"))), "3.5");
    EXPECT_EQ(json(expr::apply_binary(BinaryOp::div, Value::of_number(1), Value::of_number(0))), "null");
    EXPECT_EQ(json(expr::apply_binary(BinaryOp::mul, Value::of_number(1e308), Value::of_number(10))), "null");
    EXPECT_EQ(json(expr::apply_binary(BinaryOp::sub, Value::of_string("a"), Value::of_number(1))), "null");
}

TEST_F(ExprEvaluator, EventValuesKeepTheirEncoding) {
    EXPECT_EQ(json(field("12345678901234567890")), "12345678901234567890");
    EXPECT_EQ(json(field(R"({"b":1,"a":"\u00e9"})")), "{\"a\":\"\xc3\xa9\",\"b\":1}");
    EXPECT_EQ(expr::to_owned_json(Value::of_number(3)).kind(), ev::Json::Kind::integer);
    EXPECT_EQ(expr::to_owned_json(Value::of_number(3.5)).kind(), ev::Json::Kind::number);
}

TEST_F(ExprEvaluator, PathsAndExists) {
    auto p = path("tags.role");
    EXPECT_EQ(json(eval(*p, R"({"tags":{"role":"db"}})")), "\"db\"");
    EXPECT_EQ(json(eval(*p, R"({"tags":[]})")), "null");
    auto e = expr::make_exists(ev::Path::parse("x").value());
    EXPECT_EQ(json(eval(*e, R"({"x":null})")), "true");
    EXPECT_EQ(json(eval(*e, R"({"y":1})")), "false");
}

TEST_F(ExprEvaluator, ShortCircuit) {
    // The right side would be a non-boolean; && and || always yield booleans.
    auto a = expr::make_and(num(1), str("x"));
    EXPECT_EQ(json(eval(*a)), "true");
    auto o = expr::make_or(expr::make_constant(Value::null()), num(0));
    EXPECT_EQ(json(eval(*o)), "true");
    auto n = expr::make_not(path("missing"));
    EXPECT_EQ(json(eval(*n)), "true");
}

TEST_F(ExprEvaluator, ScratchIsReusedAcrossEvaluations) {
    auto lower = expr::make_call(expr::Function::lower, args(path("s")));
    EXPECT_EQ(json(eval(*lower, R"({"s":"ABCDEFGHIJKLMNOPQRSTUVWXYZ"})")), "\"abcdefghijklmnopqrstuvwxyz\"");
    EXPECT_EQ(json(eval(*lower, R"({"s":"Q"})")), "\"q\"");
}

TEST_F(ExprEvaluator, Functions) {
    auto now = expr::make_call(expr::Function::now, {});
    EXPECT_EQ(json(eval(*now)), "42");
    auto contains = expr::make_call(expr::Function::contains, args(path("a"), num(2)));
    EXPECT_EQ(json(eval(*contains, R"({"a":[1,2]})")), "true");
    EXPECT_EQ(json(eval(*contains, R"({"a":"2"})")), "false");
    auto number = expr::make_call(expr::Function::number, args(path("a")));
    EXPECT_EQ(json(eval(*number, R"({"a":" 1"})")), "null");
    EXPECT_EQ(json(eval(*number, R"({"a":"inf"})")), "null");
    EXPECT_EQ(json(eval(*number, R"({"a":"1e3"})")), "1000");
    auto type = expr::make_call(expr::Function::type, args(path("a")));
    EXPECT_EQ(json(eval(*type, R"({"a":{}})")), "\"object\"");
}

TEST_F(ExprEvaluator, DynamicRegexCache) {
    auto m = expr::make_dynamic_match(path("s"), path("p"), false);
    EXPECT_EQ(json(eval(*m, R"({"s":"abc","p":"^a"})")), "true");
    EXPECT_EQ(json(eval(*m, R"({"s":"abc","p":"^b"})")), "false");
    EXPECT_EQ(json(eval(*m, R"({"s":"bcd","p":"^b"})")), "true");
    EXPECT_EQ(json(eval(*m, R"({"s":"bcd","p":"("})")), "false");
    EXPECT_EQ(json(eval(*m, R"({"s":1,"p":"1"})")), "false");
}

}  // namespace
