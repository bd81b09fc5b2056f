#include "rpc/report.h"

#include <gtest/gtest.h>

using namespace ev;
using namespace ev::rpc;

namespace {

Outcome reply(const std::string& host, const std::string& status, const std::string& data, double rtt = 10) {
    Outcome o;
    o.target = {host, "ed25519:00000000000000000000000000000001"};
    Reply r;
    r.request = "R1";
    r.agent_id = o.target.agent_id;
    r.host = host;
    r.agent = "pkg";
    r.action = "status";
    r.status = status;
    r.code = status == "ok" ? 0 : 1;
    r.message = status == "ok" ? "" : "broken\nline";
    r.data = *parse_json(data);
    r.time = 1000;
    o.reply = r;
    o.rtt_ms = rtt;
    return o;
}

Outcome silent(const std::string& host) {
    Outcome o;
    o.target = {host, ""};
    return o;
}

}  // namespace

TEST(RpcReport, StateOfAReply) {
    EXPECT_EQ(state_of(*reply("a", "ok", "{}").reply), State::ok);
    EXPECT_EQ(state_of(*reply("a", "ok", R"({"state":"warning"})").reply), State::warning);
    EXPECT_EQ(state_of(*reply("a", "ok", R"({"state":"bogus"})").reply), State::ok);
    EXPECT_EQ(state_of(*reply("a", "failed", "{}").reply), State::critical);
    EXPECT_EQ(state_of(*reply("a", "refused", "{}").reply), State::unknown);
}

TEST(RpcReport, EventsForRepliesAndTheSilent) {
    ManualClock clock(1);
    IdGenerator ids(clock, 7);
    std::string out;
    append_outcome_event(reply("web1", "ok", R"({"version":"1.2.3"})", 12.5), "pkg.status", "R1", 10, 2000, ids, out);
    EXPECT_EQ(
        out.substr(out.find(",\"time\"")),
        R"(,"time":1000,"type":"status","subject":"web1","name":"pkg.status","state":"ok","message":"","source":"evrpc","data":{"version":"1.2.3"},"rpc":{"agent_id":"ed25519:00000000000000000000000000000001","code":0,"elapsed_ms":0,"request":"R1","rtt_ms":12.5,"status":"ok"}})");
    out.clear();
    append_outcome_event(silent("ghost"), "pkg.status", "R1", 10, 2000, ids, out);
    EXPECT_EQ(
        out.substr(out.find(",\"time\"")),
        R"(,"time":2000,"type":"status","subject":"ghost","name":"pkg.status","state":"unknown","message":"no reply within 10s","source":"evrpc","data":{},"rpc":{"request":"R1","status":"no reply"}})");
}

TEST(RpcReport, Aggregations) {
    std::vector<Outcome> outcomes = {reply("a", "ok", R"({"v":"1","n":1})"), reply("b", "ok", R"({"v":"1","n":3})"),
                                     reply("c", "ok", R"({"v":"2|x","n":"x"})"), reply("d", "failed", R"({"v":"9"})"),
                                     silent("e")};
    std::vector<OutputSpec> specs = {{"v", "", OutputSpec::Aggregate::summary},
                                     {"n", "", OutputSpec::Aggregate::average},
                                     {"n", "", OutputSpec::Aggregate::sum},
                                     {"w", "", OutputSpec::Aggregate::sum},
                                     {"v", "", OutputSpec::Aggregate::none}};
    EXPECT_EQ(format_aggregations(specs, outcomes),
              "Summary of v:\n"
              "        1 = 2\n"
              "   2\\x7cx = 1\n"
              "n: average 2 (min 1, max 3, 2 replies)\n"
              "n: sum 4 (2 replies)\n"
              "w: no values\n");
}

TEST(RpcReport, SummaryShowsFailedAndTheSilent) {
    Summary s;
    s.outcomes = {reply("a", "ok", R"({"v":"1"})"), reply("b", "failed", R"({"why":"\u001b[2J"})"), silent("c")};
    s.name = "pkg.status";
    s.elapsed_ms = 512.4;
    std::string text = format_summary(s);
    EXPECT_EQ(text,
              "b: failed (code 1): broken\\nline\n"
              "    why: \\x1b[2J\n"
              "\n"
              "Finished processing 2 / 3 hosts in 512 ms\n"
              "No response from:\n"
              "   c\n");
    s.display = Display::ok;
    EXPECT_EQ(format_summary(s).rfind("a: ok\n    v: 1\n\n", 0), 0u);
    s.graph = true;
    EXPECT_NE(format_summary(s).find("Response times (ms):\n"), std::string::npos);
}

TEST(RpcReport, ProgressLine) {
    EXPECT_EQ(progress_line(1, 2, 10), "\r * [ =====>     ] 1 / 2");
    EXPECT_EQ(progress_line(2, 2, 4), "\r * [ ==== ] 2 / 2");
}
