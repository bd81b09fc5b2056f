#include "rpc/message.h"

#include <gtest/gtest.h>

namespace ev::rpc {
namespace {

Request sample_request() {
    Request r;
    r.id = "01JD2Z5Y8Q0000000000000000";
    r.time = 1700000000.25;
    r.ttl = 60;
    r.caller = "ed25519:00112233445566778899aabbccddeeff";
    r.agent = "rpcutil";
    r.action = "ping";
    r.inputs.set("name", Json("x; rm -rf /"));
    r.filter.classes = {"web"};
    r.reply_to = "evrpc.replies";
    return r;
}

TEST(Message, RequestRoundTrips) {
    Request r = sample_request();
    std::string body = request_body(r);
    EXPECT_EQ(body.substr(0, 62), R"({"type":"rpc.request","id":"01JD2Z5Y8Q0000000000000000","time")");
    auto back = parse_request(body);
    ASSERT_TRUE(back) << back.error();
    EXPECT_EQ(back->id, r.id);
    EXPECT_EQ(back->time, r.time);
    EXPECT_EQ(back->ttl, r.ttl);
    EXPECT_EQ(back->inputs, r.inputs);
    EXPECT_EQ(back->filter.classes, r.filter.classes);
    EXPECT_FALSE(back->direct);
    EXPECT_EQ(request_body(*back), body);
}

TEST(Message, TargetsMakeARequestDirect) {
    Request r = sample_request();
    r.direct = true;
    r.targets = {"node1.example", "ed25519:00"};
    auto back = parse_request(request_body(r));
    ASSERT_TRUE(back) << back.error();
    EXPECT_TRUE(back->direct);
    EXPECT_EQ(back->targets, r.targets);
}

TEST(Message, RequestsThatAreRefused) {
    std::string good = request_body(sample_request());
    auto with = [&](std::string from, std::string to) {
        std::string s = good;
        s.replace(s.find(from), from.size(), to);
        return parse_request(s);
    };
    EXPECT_EQ(with(R"("ttl":60)", R"("ttl":0)").error(), "ttl is not above zero");
    EXPECT_EQ(with(R"("ttl":60)", R"("ttl":"60")").error(), "ttl is missing or not a number");
    EXPECT_EQ(with(R"("agent":"rpcutil")", R"("agent":"-rf")").error(), "agent and action must be [a-z][a-z0-9_]*");
    EXPECT_EQ(with(R"("reply_to":"evrpc.replies")", R"("reply_to":"a/b")").error().substr(0, 21),
              "reply_to is not a nam");
    EXPECT_EQ(with(R"("type":"rpc.request")", R"("type":"rpc.reply")").error(), "type is not \"rpc.request\"");
    EXPECT_EQ(with(R"("ttl":60)", R"("ttl":60,"ttl":61)").error(), "duplicate key \"ttl\"");
    EXPECT_EQ(with(R"("inputs":{)", R"("inputs":{"a":1,"a":2,)").error(), "duplicate key \"a\" in inputs");
    EXPECT_EQ(parse_request("[]").error(), "body is not a JSON object");
}

TEST(Message, ReplyRoundTrips) {
    Reply r;
    r.request = "01JD2Z5Y8Q0000000000000000";
    r.agent_id = "ed25519:00112233445566778899aabbccddeeff";
    r.host = "node1.example";
    r.agent = "rpcutil";
    r.action = "ping";
    r.status = "ok";
    r.message = "pong";
    r.data.set("pong", Json(1700000000.5));
    r.time = 1700000000.5;
    r.elapsed_ms = 3;
    std::string body = reply_body(r);
    auto back = parse_reply(body);
    ASSERT_TRUE(back) << back.error();
    EXPECT_EQ(reply_body(*back), body);
    EXPECT_EQ(back->data, r.data);
}

// Values are not events: keys an event puts first (id, subject, time) sort
// with the rest, in byte order, at every depth.
TEST(Message, NestedObjectValuesHaveSortedKeys) {
    Reply r;
    r.request = "01JD2Z5Y8Q0000000000000000";
    r.agent_id = "ed25519:00112233445566778899aabbccddeeff";
    r.host = "node1.example";
    r.agent = "package";
    r.action = "status";
    r.status = "ok";
    Json inner = Json::object();
    inner.set("version", Json("1.2.3"));
    inner.set("id", Json("x"));
    inner.set("arch", Json("amd64"));
    r.data.set("subject", Json("s"));
    r.data.set("name", Json("n"));
    r.data.set("id", Json("i"));
    r.data.set("detail", std::move(inner));
    std::string body = reply_body(r);
    EXPECT_NE(
        body.find(R"("data":{"detail":{"arch":"amd64","id":"x","version":"1.2.3"},"id":"i","name":"n","subject":"s"})"),
        std::string::npos)
        << body;
    Request q = sample_request();
    q.inputs = Json::object();
    q.inputs.set("time", Json(1.0));
    q.inputs.set("id", Json("b"));
    q.inputs.set("a", Json("c"));
    EXPECT_NE(request_body(q).find(R"("inputs":{"a":"c","id":"b","time":1})"), std::string::npos) << request_body(q);
}

}  // namespace
}  // namespace ev::rpc
