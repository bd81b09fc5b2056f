#include "status/alert.h"

#include <gtest/gtest.h>

#include "core/id.h"
#include "core/json.h"

namespace ev::status {
namespace {

struct Fixture {
    IdentityTable table;
    IdentityEntry* entry = nullptr;
    Decision decision;
    Fixture() {
        bool inserted = false;
        entry = &table.get("web1", "http", IdentityState{}, inserted);
        decision.entry = entry;
        decision.reason = Reason::transition;
        decision.state = State::critical;
        decision.previous = State::ok;
        decision.since = 100;
        decision.time = 100.5;
    }
};

// What Engine::apply leaves on the entry of the status it applies.
void keep_on_entry(const StatusEvent& cause, Fixture& f) {
    std::string text;
    if (cause.message) {
        write_canonical_nested(*cause.message, text);
        f.table.set_message(*f.entry, text);
    }
    if (cause.tags) {
        text.clear();
        write_canonical_nested(*cause.tags, text);
        f.table.set_tags(*f.entry, text);
    }
}

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
    std::string alert_id, out, scratch;
    append_alert_id(f.decision, nullptr, {}, alert_id);
    write_alert(alert, alert_id, out, scratch);
    auto parsed = parse_json(out);
    ASSERT_TRUE(parsed) << out;
    const Json* id = parsed->find("id");
    ASSERT_NE(id, nullptr);
    EXPECT_EQ(id->as_string(), alert_id);
    // Writing the parsed alert (id included) canonically gives the same bytes.
    EXPECT_EQ(to_canonical(*parsed), out);
}

std::string id_of(const Decision& d, const StatusEvent* cause, std::string_view line = {}) {
    std::string id;
    append_alert_id(d, cause, line, id);
    return id;
}

TEST(StatusAlert, ExpiryIdsComeFromIdentityAndDeadline) {
    Fixture f;
    f.decision.reason = Reason::expired;
    std::string a = id_of(f.decision, nullptr);
    EXPECT_EQ(a.size(), 26u);
    EXPECT_EQ(a, id_of(f.decision, nullptr));
    // The state it raises does not name the expiry; identity and deadline do.
    f.decision.state = State::unknown;
    EXPECT_EQ(a, id_of(f.decision, nullptr));
    f.decision.time = 101;
    std::string later = id_of(f.decision, nullptr);
    EXPECT_LT(a, later);
    // Another identity at the same deadline gets another id, in the same millisecond.
    bool inserted = false;
    f.decision.entry = &f.table.get("web2", "http", IdentityState{}, inserted);
    f.decision.time = 100.5;
    std::string other = id_of(f.decision, nullptr);
    EXPECT_NE(a, other);
    EXPECT_EQ(a.substr(0, 10), other.substr(0, 10));
    // Subject and name do not run together.
    f.decision.entry = &f.table.get("web1h", "ttp", IdentityState{}, inserted);
    EXPECT_NE(a, id_of(f.decision, nullptr));
}

StatusEvent read_status(simdjson::dom::parser& parser, simdjson::padded_string& text) {
    StatusEvent event;
    std::string reason;
    EXPECT_EQ(read_event(parser.parse(text).value(), event, reason), EventKind::status);
    return event;
}

TEST(StatusAlert, AnAlertIdComesFromItsCauseNotFromTheClock) {
    simdjson::dom::parser parser;
    simdjson::padded_string text{
        std::string_view(R"({"id":"c1","time":1790000000.5,"subject":"web1","name":"http","state":"critical"})")};
    StatusEvent cause = read_status(parser, text);
    Fixture f;
    std::string a = id_of(f.decision, &cause);
    // On the wall clock a replay raises the alert at another time: same id.
    f.decision.time = 1800000000;
    f.decision.since = 1800000000;
    EXPECT_EQ(id_of(f.decision, &cause), a);
    // The time part is the cause's time.
    Derivation expected;
    expected.cause_id = "c1";
    expected.time = 1790000000.5;
    expected.tool = "evstatus";
    expected.what = "transition";
    EXPECT_EQ(a, derived_id(expected));
    // The line is used only when the cause has no id.
    EXPECT_EQ(id_of(f.decision, &cause, "some line"), a);
    // Another reason from the same cause is another alert.
    f.decision.reason = Reason::flapping_start;
    EXPECT_NE(id_of(f.decision, &cause), a);
}

TEST(StatusAlert, ACauseWithoutIdIsKnownByItsLine) {
    simdjson::dom::parser parser;
    simdjson::padded_string text{std::string_view(R"({"subject":"web1","name":"http","state":"critical"})")};
    StatusEvent cause = read_status(parser, text);
    Fixture f;
    std::string a = id_of(f.decision, &cause, text);
    EXPECT_EQ(a, id_of(f.decision, &cause, text));
    EXPECT_EQ(a.substr(0, 10), "0000000000");  // no time: the time part is 0
    EXPECT_NE(a, id_of(f.decision, &cause, R"({"subject":"web1","name":"http","state":"critical","x":1})"));
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
            keep_on_entry(cause, f);
            f.decision.reason = r;
            f.decision.time = 1790000000.123;
            f.decision.since = 0.1;
            std::string direct, via_json, scratch;
            write_alert(f.decision, &cause, direct, scratch, text);
            write_alert(make_alert(f.decision, &cause), id_of(f.decision, &cause, text), via_json, scratch);
            EXPECT_EQ(direct, via_json) << text;
        }
    }
    Fixture f;
    f.decision.reason = Reason::expired;
    f.decision.ttl = 0.25;
    std::string direct, via_json, scratch;
    write_alert(f.decision, nullptr, direct, scratch);
    write_alert(make_alert(f.decision, nullptr), id_of(f.decision, nullptr), via_json, scratch);
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
