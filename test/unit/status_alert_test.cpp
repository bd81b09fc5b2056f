#include "status/alert.h"

#include <gtest/gtest.h>

#include "core/json.h"

namespace ev::status {
namespace {

struct Fixture {
    IdentityTable table;
    Decision decision;
    Fixture() {
        bool inserted = false;
        decision.entry = &table.get("web1", "http", IdentityState{}, inserted);
        decision.reason = Reason::transition;
        decision.state = State::critical;
        decision.previous = State::ok;
        decision.since = 100;
        decision.time = 100.5;
    }
};

TEST(StatusAlert, FieldsOfAnExpiry) {
    Fixture f;
    f.decision.reason = Reason::expired;
    f.decision.ttl = 300;
    Json alert = make_alert(f.decision, nullptr);
    EXPECT_EQ(to_canonical(alert),
              R"({"time":100.5,"type":"alert","subject":"web1","name":"http","state":"critical","severity":2,)"
              R"("message":"no status within ttl 5m","source":"evstatus","previous":"ok","reason":"expired",)"
              R"("since":100})");
}

TEST(StatusAlert, IdIsFirstAndTheRestIsCanonical) {
    Fixture f;
    Json alert = make_alert(f.decision, nullptr);
    std::string out, scratch;
    write_alert(alert, f.decision.time, out, scratch);
    auto parsed = parse_json(out);
    ASSERT_TRUE(parsed) << out;
    const Json* id = parsed->find("id");
    ASSERT_NE(id, nullptr);
    EXPECT_EQ(id->as_string().size(), 26u);
    // Writing the parsed alert (id included) canonically gives the same bytes.
    EXPECT_EQ(to_canonical(*parsed), out);
}

TEST(StatusAlert, IdsAreDeterministicAndTimeSorted) {
    Fixture f;
    std::string a, b, c, scratch;
    write_alert(make_alert(f.decision, nullptr), 100.5, a, scratch);
    write_alert(make_alert(f.decision, nullptr), 100.5, b, scratch);
    EXPECT_EQ(a, b);
    f.decision.time = 101;
    write_alert(make_alert(f.decision, nullptr), 101, c, scratch);
    EXPECT_LT(a.substr(0, 33), c.substr(0, 33));  // {"id":" + 26 chars
    // Another identity at the same time gets another id.
    bool inserted = false;
    f.decision.entry = &f.table.get("web2", "http", IdentityState{}, inserted);
    f.decision.time = 100.5;
    std::string d;
    write_alert(make_alert(f.decision, nullptr), 100.5, d, scratch);
    EXPECT_NE(a.substr(7, 26), d.substr(7, 26));
    EXPECT_EQ(a.substr(7, 10), d.substr(7, 10));  // same millisecond part
}

TEST(StatusAlert, DirectEncodingEqualsTheJsonOne) {
    const char* events[] = {
        R"({"id":"c1","subject":"web1","name":"http","state":"critical","message":"down \"hard\"\n","tags":{"role":"web","name":"n","id":"i","a":{"z":1,"b":[2,{"y":1,"time":0}]}}})",
        R"({"subject":"web1","name":"http","state":"critical","message":{"text":"x","id":"y"},"tags":[1,"b"]})",
        R"({"subject":"web1","name":"http","state":"critical","message":12.50,"tags":null})",
        R"({"subject":"web1","name":"http","state":"ok"})",
    };
    for (const char* text : events) {
        simdjson::dom::parser parser;
        simdjson::padded_string padded{std::string_view(text)};
        simdjson::dom::element root = parser.parse(padded).value();
        StatusEvent cause;
        std::string reason;
        ASSERT_EQ(read_event(root, cause, reason), EventKind::status) << text;
        for (Reason r : {Reason::transition, Reason::non_ok, Reason::flapping_start, Reason::flapping_stop}) {
            Fixture f;
            f.decision.reason = r;
            f.decision.time = 1790000000.123;
            f.decision.since = 0.1;
            std::string direct, via_json, scratch;
            write_alert(f.decision, &cause, direct, scratch);
            write_alert(make_alert(f.decision, &cause), f.decision.time, via_json, scratch);
            EXPECT_EQ(direct, via_json) << text;
        }
    }
    Fixture f;
    f.decision.reason = Reason::expired;
    f.decision.ttl = 0.25;
    std::string direct, via_json, scratch;
    write_alert(f.decision, nullptr, direct, scratch);
    write_alert(make_alert(f.decision, nullptr), f.decision.time, via_json, scratch);
    EXPECT_EQ(direct, via_json);
}

TEST(StatusAlert, ReasonNames) {
    EXPECT_EQ(reason_name(Reason::transition), "transition");
    EXPECT_EQ(reason_name(Reason::non_ok), "non-ok");
    EXPECT_EQ(reason_name(Reason::expired), "expired");
    EXPECT_EQ(reason_name(Reason::flapping_start), "flapping-start");
    EXPECT_EQ(reason_name(Reason::flapping_stop), "flapping-stop");
}

}  // namespace
}  // namespace ev::status
