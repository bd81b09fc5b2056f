#include "status/event.h"

#include <gtest/gtest.h>

namespace ev::status {
namespace {

struct Parsed {
    simdjson::dom::parser parser;
    simdjson::padded_string text;
    StatusEvent event;
    std::string reason;
    EventKind kind = EventKind::other;
};

void read(Parsed& p, std::string_view json) {
    p.text = simdjson::padded_string(json);
    simdjson::dom::element root = p.parser.parse(p.text).value();
    p.kind = read_event(root, p.event, p.reason);
}

TEST(StatusEvent, ReadsAStatus) {
    Parsed p;
    read(
        p,
        R"({"id":"x1","time":12.5,"type":"status","subject":"web1","name":"http","state":"warning","ttl":60,"message":"m","tags":{"a":"b"}})");
    ASSERT_EQ(p.kind, EventKind::status) << p.reason;
    EXPECT_EQ(p.event.subject, "web1");
    EXPECT_EQ(p.event.name, "http");
    EXPECT_EQ(p.event.state, State::warning);
    EXPECT_EQ(p.event.time, 12.5);
    EXPECT_EQ(p.event.ttl, 60);
    EXPECT_EQ(p.event.id, "x1");
    EXPECT_TRUE(p.event.message.has_value());
    EXPECT_TRUE(p.event.tags.has_value());
}

TEST(StatusEvent, SeverityAloneGivesTheState) {
    Parsed p;
    read(p, R"({"subject":"a","name":"b","severity":3})");
    ASSERT_EQ(p.kind, EventKind::status);
    EXPECT_EQ(p.event.state, State::unknown);
    EXPECT_FALSE(p.event.time.has_value());
}

TEST(StatusEvent, EventsWithoutStateAreOther) {
    Parsed p;
    read(p, R"({"time":5,"type":"metric","subject":"a","name":"b","metric":1})");
    EXPECT_EQ(p.kind, EventKind::other);
    EXPECT_EQ(p.event.time, 5);  // still drives the event clock
}

TEST(StatusEvent, AlertsAreOther) {
    Parsed p;
    read(p, R"({"type":"alert","subject":"a","name":"b","state":"critical"})");
    EXPECT_EQ(p.kind, EventKind::other);
}

TEST(StatusEvent, RejectsBreakingStatuses) {
    struct Case {
        const char* json;
        const char* reason;
    };
    const Case cases[] = {
        {R"({"subject":"a","name":"b","state":"down"})", "unknown state 'down'"},
        // The reason quotes a short escaped prefix: no raw newline or ESC reaches stderr.
        {R"({"subject":"a","name":"b","state":"x\n\u001b[2J|"})", "unknown state 'x\\n\\x1b[2J\\x7c'"},
        {R"({"subject":"a","name":"b","state":"0123456789012345678901234567890123456789XYZ"})",
         "unknown state '0123456789012345678901234567890123456789...'"},
        {R"({"subject":"a","name":"b","state":2})", "state is not a string"},
        {R"({"subject":"a","name":"b","severity":4})", "severity is not an integer in 0..3"},
        {R"({"subject":"a","name":"b","severity":-1})", "severity is not an integer in 0..3"},
        {R"({"subject":"a","name":"b","severity":1.5})", "severity is not an integer in 0..3"},
        {R"({"subject":"a","name":"b","state":"ok","severity":1})", "state and severity disagree"},
        {R"({"name":"b","state":"ok"})", "status without a subject"},
        {R"({"subject":7,"name":"b","state":"ok"})", "status without a subject"},
        {R"({"subject":"a","state":"ok"})", "status without a name"},
        {R"({"subject":"a","name":"","state":"ok"})", "status without a name"},
        {R"({"subject":"a","name":"b","state":"ok","time":"now"})", "time is not a number"},
        {R"({"subject":"a","name":"b","state":"ok","ttl":-5})", "ttl is not a non-negative number"},
        {R"({"subject":"a","name":"b","state":"ok","ttl":null})", "ttl is not a non-negative number"},
    };
    for (const Case& c : cases) {
        Parsed p;
        read(p, c.json);
        EXPECT_EQ(p.kind, EventKind::bad) << c.json;
        EXPECT_EQ(p.reason, c.reason) << c.json;
    }
}

}  // namespace
}  // namespace ev::status
