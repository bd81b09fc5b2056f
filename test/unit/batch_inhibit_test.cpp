// Tests for lib/batch/inhibit.cpp: Alertmanager's inhibit_rules semantics
// (inhibit/inhibit.go): equal fields, missing on both sides, two-sided rules.
#include <gtest/gtest.h>

#include <string>

#include "batch/inhibit.h"

namespace ev::batch {
namespace {

// A rig: one rule, events fed by text.
struct Rig {
    explicit Rig(std::vector<InhibitRule> rules) : inhibitor(std::move(Inhibitor::compile(rules, clock)).value()) {}
    void update(const std::string& subject, const std::string& text, State state) {
        inhibitor.update(subject, "n", parser.parse(text).value(), state);
    }
    bool inhibited(const std::string& text) { return inhibitor.inhibited(parser.parse(text).value()); }
    ManualClock clock;
    Inhibitor inhibitor;
    simdjson::dom::parser parser;
};

const InhibitRule k_switch{R"(name == "ping" && tags.kind == "switch")", R"(tags.kind == "host")", {"tags.switch"}};

TEST(BatchInhibit, ASwitchDownMutesTheHostsBehindIt) {
    Rig rig({k_switch});
    const std::string sw = R"({"subject":"sw1","name":"ping","tags":{"kind":"switch","switch":"sw1"}})";
    const std::string host1 = R"({"subject":"h1","name":"ping","tags":{"kind":"host","switch":"sw1"}})";
    const std::string host2 = R"({"subject":"h2","name":"ping","tags":{"kind":"host","switch":"sw2"}})";
    EXPECT_FALSE(rig.inhibited(host1));
    rig.update("sw1", sw, State::critical);
    EXPECT_TRUE(rig.inhibited(host1));
    EXPECT_FALSE(rig.inhibited(host2));  // behind another switch
    EXPECT_FALSE(rig.inhibited(sw));     // not a target
    rig.update("sw1", sw, State::ok);
    EXPECT_FALSE(rig.inhibited(host1));  // the source resolved
}

TEST(BatchInhibit, AFieldMissingOnBothSidesIsEqual) {
    Rig rig({k_switch});
    rig.update("sw1", R"({"name":"ping","tags":{"kind":"switch"}})", State::critical);
    EXPECT_TRUE(rig.inhibited(R"({"name":"x","tags":{"kind":"host"}})"));
    EXPECT_FALSE(rig.inhibited(R"({"name":"x","tags":{"kind":"host","switch":""}})"));
    EXPECT_FALSE(rig.inhibited(R"({"name":"x","tags":{"kind":"host","switch":null}})"));
}

TEST(BatchInhibit, ValuesCompareAsJson) {
    Rig rig({InhibitRule{"source == true", "target == true", {"v"}}});
    rig.update("s", R"({"source":true,"v":1})", State::warning);
    EXPECT_TRUE(rig.inhibited(R"({"target":true,"v":1})"));
    EXPECT_TRUE(rig.inhibited(R"({"target":true,"v":1.0})"));
    EXPECT_FALSE(rig.inhibited(R"({"target":true,"v":"1"})"));
}

TEST(BatchInhibit, AnAlertNeverInhibitsItselfNorItsTwoSidedPeers) {
    // Every critical inhibits every warning or critical of the same subject:
    // a critical matches both sides, so only sources that are not targets count.
    Rig rig({InhibitRule{R"(state == "critical")", R"(state == "critical" || state == "warning")", {"subject"}}});
    const std::string crit = R"({"subject":"h1","state":"critical"})";
    rig.update("h1", crit, State::critical);
    EXPECT_FALSE(rig.inhibited(crit));
    EXPECT_TRUE(rig.inhibited(R"({"subject":"h1","state":"warning"})"));
}

TEST(BatchInhibit, SeveralSourcesWithOneKeyCountUntilTheLastResolves) {
    Rig rig({k_switch});
    const std::string a = R"({"name":"ping","tags":{"kind":"switch","switch":"sw1"}})";
    const std::string host = R"({"tags":{"kind":"host","switch":"sw1"}})";
    rig.update("sw1a", a, State::critical);
    rig.update("sw1b", a, State::critical);
    rig.update("sw1a", a, State::ok);
    EXPECT_TRUE(rig.inhibited(host));
    rig.update("sw1b", a, State::critical);  // the same again counts once
    rig.update("sw1b", a, State::ok);
    EXPECT_FALSE(rig.inhibited(host));
    // A source whose event stops matching is no source any more.
    rig.update("sw1a", a, State::critical);
    rig.update("sw1a", R"({"name":"ping","tags":{"kind":"router","switch":"sw1"}})", State::critical);
    EXPECT_FALSE(rig.inhibited(host));
}

TEST(BatchInhibit, EqualFieldsParse) {
    EXPECT_EQ(*parse_equal_fields("tags.switch, tags[\"a,b\"],subject"),
              (std::vector<std::string>{"tags.switch", "tags[\"a,b\"]", "subject"}));
    EXPECT_TRUE(parse_equal_fields("")->empty());
    EXPECT_FALSE(parse_equal_fields("tags.,x"));
}

TEST(BatchInhibit, RulesFile) {
    auto rules = parse_inhibit_rules(
        "# the switch rule\n"
        R"({"source":"name == \"ping\" && tags.kind == \"switch\"","target":"tags.kind == \"host\"","equal":["tags.switch"]})"
        "\n\n"
        R"({"source":"true","target":"false"})"
        "\n",
        "rules");
    ASSERT_TRUE(rules) << rules.error();
    ASSERT_EQ(rules->size(), 2u);
    EXPECT_EQ((*rules)[0].equal, std::vector<std::string>{"tags.switch"});
    EXPECT_TRUE((*rules)[1].equal.empty());
    for (auto [text, why] : std::vector<std::pair<std::string, std::string>>{
             {"{\"source\":\"true\"}", "rules:1: target: an expression string is required"},
             {"{\"source\":\"true\",\"target\":\"(\"}", "rules:1: syntax error"},
             {"{\"source\":\"true\",\"target\":\"true\",\"equal\":\"x\"}", "rules:1: equal: must be an array"},
             {"{\"source\":\"true\",\"target\":\"true\",\"equal\":[\"a.\"]}",
              "rules:1: equal: 'a.' is not a field path"},
             {"{\"source\":\"true\",\"target\":\"true\",\"equals\":[]}", "rules:1: unknown field 'equals'"},
             {"\n[]", "rules:2: a rule must be a JSON object"},
             {"nope", "rules:1: not JSON"},
         }) {
        auto bad = parse_inhibit_rules(text, "rules");
        ASSERT_FALSE(bad) << text;
        EXPECT_EQ(bad.error().rfind(why, 0), 0u) << bad.error();
    }
}

}  // namespace
}  // namespace ev::batch
