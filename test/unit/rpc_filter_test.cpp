#include "rpc/filter.h"

#include <gtest/gtest.h>

using namespace ev;
using namespace ev::rpc;

namespace {

Node web() {
    Node n;
    n.agent_id = "ed25519:00112233445566778899aabbccddeeff";
    n.host = "web1.example.com";
    n.facts = *parse_json(R"({"os":"linux","cpus":8,"mem_mb":"16000","role":"web","os_info":{"family":"debian"}})");
    n.classes = {"role::web", "base"};
    n.agents = {{"rpcutil", {"ping"}}, {"package", {"status"}}};
    return n;
}

bool match(const Filter& f, const Node& n) {
    auto m = Matcher::compile(f);
    EXPECT_TRUE(m.ok()) << (m.ok() ? "" : m.error());
    return m.ok() && m->matches(n);
}

Filter facts(std::initializer_list<const char*> tests) {
    Filter f;
    for (const char* t : tests) {
        auto parsed = parse_fact_test(t);
        EXPECT_TRUE(parsed.ok()) << t;
        f.facts.push_back(*parsed);
    }
    return f;
}

}  // namespace

TEST(RpcFilter, ParsesEveryOperator) {
    auto t = parse_fact_test("cpus>=4");
    ASSERT_TRUE(t.ok());
    EXPECT_EQ(t->fact, "cpus");
    EXPECT_EQ(t->op, ">=");
    EXPECT_EQ(t->value, "4");
    t = parse_fact_test("role=~/^we/");
    ASSERT_TRUE(t.ok());
    EXPECT_EQ(t->op, "=~");
    EXPECT_EQ(t->value, "^we");
    t = parse_fact_test("a!=b=c");
    ASSERT_TRUE(t.ok());
    EXPECT_EQ(t->op, "!=");
    EXPECT_EQ(t->value, "b=c");
    EXPECT_FALSE(parse_fact_test("noop").ok());
    EXPECT_FALSE(parse_fact_test("=x").ok());
}

TEST(RpcFilter, EmptyMatchesEverything) {
    EXPECT_TRUE(Filter{}.empty());
    EXPECT_TRUE(match(Filter{}, web()));
}

TEST(RpcFilter, FactOperators) {
    Node n = web();
    EXPECT_TRUE(match(facts({"os=linux"}), n));
    EXPECT_FALSE(match(facts({"os=windows"}), n));
    EXPECT_TRUE(match(facts({"os!=windows"}), n));
    EXPECT_TRUE(match(facts({"cpus>4", "cpus<=8", "cpus>=8", "cpus<9"}), n));
    EXPECT_FALSE(match(facts({"cpus<8"}), n));
    // Numbers compare as numbers, also when the fact is a numeric string.
    EXPECT_TRUE(match(facts({"mem_mb>9000"}), n));
    EXPECT_TRUE(match(facts({"role=~^w"}), n));
    EXPECT_FALSE(match(facts({"role=~^x"}), n));
    EXPECT_TRUE(match(facts({"os_info.family=debian"}), n));
    // An absent fact equals nothing.
    EXPECT_FALSE(match(facts({"missing=x"}), n));
    EXPECT_TRUE(match(facts({"missing!=x"}), n));
}

TEST(RpcFilter, ClassesIdentityAgents) {
    Node n = web();
    Filter f;
    f.classes = {"base", "/^role::/"};
    EXPECT_TRUE(match(f, n));
    f.classes = {"db"};
    EXPECT_FALSE(match(f, n));
    Filter i;
    i.identity = {"db1.example.com", "web1.example.com"};  // alternatives
    EXPECT_TRUE(match(i, n));
    i.identity = {"/^web[0-9]/"};
    EXPECT_TRUE(match(i, n));
    i.identity = {"ed25519:00112233445566778899aabbccddeeff"};
    EXPECT_TRUE(match(i, n));
    i.identity = {"web1"};  // exact, not a substring
    EXPECT_FALSE(match(i, n));
    Filter a;
    a.agents = {"package", "rpcutil"};
    EXPECT_TRUE(match(a, n));
    a.agents = {"puppet"};
    EXPECT_FALSE(match(a, n));
}

TEST(RpcFilter, ExpressionOverFacts) {
    Filter f;
    f.expr = R"(os == "linux" and cpus >= 8)";
    EXPECT_TRUE(match(f, web()));
    f.expr = R"(os == "linux" and cpus > 8)";
    EXPECT_FALSE(match(f, web()));
    f.expr = "(((";
    EXPECT_FALSE(Matcher::compile(f).ok());
}

TEST(RpcFilter, BadRegexIsAnError) {
    Filter f;
    f.classes = {"/(/"};
    EXPECT_FALSE(Matcher::compile(f).ok());
    Filter g = facts({"a=~("});
    EXPECT_FALSE(Matcher::compile(g).ok());
}

TEST(RpcFilter, JsonRoundTrip) {
    Filter f = facts({"cpus>=4", "os=linux"});
    f.classes = {"base"};
    f.identity = {"/web/"};
    f.agents = {"rpcutil"};
    f.expr = "cpus > 1";
    std::string text = to_canonical(filter_to_json(f));
    simdjson::dom::parser parser;
    auto back = filter_from_json(parser.parse(text));
    ASSERT_TRUE(back.ok()) << back.error();
    EXPECT_EQ(to_canonical(filter_to_json(*back)), text);
    EXPECT_FALSE(filter_from_json(parser.parse(std::string(R"({"facts":[["a","="]]})"))).ok());
    EXPECT_FALSE(filter_from_json(parser.parse(std::string(R"({"classes":[1]})"))).ok());
    EXPECT_FALSE(filter_from_json(parser.parse(std::string("[]"))).ok());
}
