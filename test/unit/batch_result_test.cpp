// Tests for lib/batch/result.cpp: result events and output sanitising.
#include <gtest/gtest.h>

#include <cerrno>
#include <csignal>

#include "batch/result.h"
#include "core/json.h"

namespace ev::batch {
namespace {

ResultContext context() {
    ResultContext ctx;
    ctx.subject = "web1";
    ctx.name = "puppet";
    ctx.cause = "E1";
    ctx.id = "R1";
    ctx.time = 100;
    ctx.timeout = 30;
    return ctx;
}

TEST(BatchResult, OkOnExitZero) {
    ChildResult f;
    f.ending = Ending::exited;
    f.exit_code = 0;
    f.duration = 1.23456;
    f.out = "done\n";
    EXPECT_EQ(
        to_canonical(result_event(f, context())),
        R"({"id":"R1","time":100,"type":"status","subject":"web1","name":"puppet","state":"ok","message":"exited with 0","source":"evbatch","data":{"duration":1.235,"exit_code":0,"output":"done\n"},"cause":"E1"})");
}

TEST(BatchResult, CriticalOnFailureTimeoutAndSpawnError) {
    ChildResult f;
    f.ending = Ending::exited;
    f.exit_code = 2;
    EXPECT_EQ(to_canonical(result_event(f, context())).find(R"("state":"critical","message":"exited with 2")") !=
                  std::string::npos,
              true);
    ChildResult t;
    t.ending = Ending::signaled;
    t.signal = SIGTERM;
    t.timed_out = true;
    std::string timed = to_canonical(result_event(t, context()));
    EXPECT_NE(timed.find(R"x("message":"timed out after 30s (killed by signal TERM)")x"), std::string::npos) << timed;
    EXPECT_NE(timed.find(R"("exit_code":null,"output":"","signal":"TERM","timed_out":true)"), std::string::npos)
        << timed;
    ChildResult s;
    s.ending = Ending::failed_to_start;
    s.spawn_errno = ENOENT;
    s.exit_code = 127;
    s.error = "cannot run /nonexistent: No such file or directory";
    std::string spawn = to_canonical(result_event(s, context()));
    EXPECT_NE(spawn.find(R"("message":"cannot run the command: No such file or directory")"), std::string::npos);
    EXPECT_NE(spawn.find(R"("exit_code":127)"), std::string::npos);
    EXPECT_FALSE(succeeded(s));
}

TEST(BatchResult, AStoppedRunSaysWhoStoppedIt) {
    ChildResult r;
    r.ending = Ending::signaled;
    r.signal = SIGTERM;
    r.stopped = true;
    ResultContext ctx = context();
    EXPECT_NE(to_canonical(result_event(r, ctx))
                  .find(R"x("message":"killed by signal TERM (evbatch was interrupted twice)")x"),
              std::string::npos);
    ctx.stop_reason = "evbatch stopped it: --drain-timeout passed";
    EXPECT_NE(to_canonical(result_event(r, ctx))
                  .find(R"x("message":"killed by signal TERM (evbatch stopped it: --drain-timeout passed)")x"),
              std::string::npos);
    // A timeout says so, whoever stopped the run as well.
    r.timed_out = true;
    EXPECT_NE(to_canonical(result_event(r, ctx)).find(R"x("message":"timed out after 30s (killed by signal TERM)")x"),
              std::string::npos);
}

TEST(BatchResult, RefusedActionIsUnknownAndSaysWhy) {
    EXPECT_EQ(
        to_canonical(refused_event("not run: argument 1 '{subject}': \"-x\" begins with '-'", context())),
        R"({"id":"R1","time":100,"type":"status","subject":"web1","name":"puppet","state":"unknown","message":"not run: argument 1 '{subject}': \"-x\" begins with '-'","source":"evbatch","data":{"refused":true},"cause":"E1"})");
}

TEST(BatchResult, SanitizeUtf8) {
    EXPECT_EQ(sanitize_utf8("plain"), "plain");
    EXPECT_EQ(sanitize_utf8("caf\xC3\xA9"), "caf\xC3\xA9");
    EXPECT_EQ(sanitize_utf8("a\xFF"
                            "b"),
              "a\xEF\xBF\xBD"
              "b");
    EXPECT_EQ(sanitize_utf8("\xC3"), "\xEF\xBF\xBD");                                  // cut in the middle
    EXPECT_EQ(sanitize_utf8("\xED\xA0\x80"), "\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD");  // surrogate
    EXPECT_EQ(sanitize_utf8("\xC0\x80"), "\xEF\xBF\xBD\xEF\xBF\xBD");                  // overlong
}

TEST(BatchResult, CommandBasename) {
    EXPECT_EQ(command_basename("/usr/bin/puppet"), "puppet");
    EXPECT_EQ(command_basename("ssh"), "ssh");
}

}  // namespace
}  // namespace ev::batch
