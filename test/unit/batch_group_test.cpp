// Tests for lib/batch/group.cpp: group mode end to end on event time, in process.
#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <sstream>

#include "batch/group.h"
#include "core/input.h"
#include "core/signals.h"
#include "core/writer.h"

namespace ev::batch {
namespace {

std::string run_group_on(GroupOptions options, const std::string& events, int& code, std::string& diag_text) {
    signals::reset();
    char in_name[] = "/tmp/evbatch_group_in_XXXXXX";
    char out_name[] = "/tmp/evbatch_group_out_XXXXXX";
    int in_fd = mkstemp(in_name);
    int out_fd = mkstemp(out_name);
    EXPECT_EQ(write(in_fd, events.data(), events.size()), static_cast<ssize_t>(events.size()));
    close(in_fd);
    options.input.files = {in_name};
    Diagnostics diag("evbatch", [&](std::string_view line) { diag_text += line; });
    {
        Input input(options.input, diag);
        Writer sink(out_fd);
        code = run_group(options, input, sink, diag);
    }
    close(out_fd);
    std::ifstream in(out_name);
    std::stringstream s;
    s << in.rdbuf();
    std::remove(in_name);
    std::remove(out_name);
    return s.str();
}

const char* k_events =
    "{\"id\":\"1\",\"time\":100,\"subject\":\"web1\",\"name\":\"check_http\",\"state\":\"critical\"}\n"
    "{\"id\":\"2\",\"time\":110,\"subject\":\"web2\",\"name\":\"check_http\",\"state\":\"critical\"}\n"
    "{\"id\":\"3\",\"time\":200,\"subject\":\"web1\",\"name\":\"check_http\",\"state\":\"ok\"}\n";

TEST(BatchGroup, SummaryAlertOnEventTime) {
    GroupOptions o;
    o.clock = ClockKind::event;
    int code = 0;
    std::string diag;
    std::string out = run_group_on(o, k_events, code, diag);
    EXPECT_EQ(code, 0);
    EXPECT_EQ(diag, "");
    EXPECT_EQ(
        out,
        "{\"id\":\"0000003BDGZTXBZPBZR3PVG5BM\",\"time\":130,\"type\":\"alert\",\"subject\":\"check_http/critical\","
        "\"name\":\"check_http\",\"state\":\"critical\",\"message\":\"2 hosts CRITICAL on check_http: web1, web2\","
        "\"source\":\"evbatch\",\"data\":{\"count\":2,\"members\":[{\"id\":\"1\",\"state\":\"critical\",\"subject\":"
        "\"web1\"},{\"id\":\"2\",\"state\":\"critical\",\"subject\":\"web2\"}]},\"reason\":\"new\",\"since\":100}\n"
        "{\"id\":\"00000063A0N43P7TXN4PHNXJNF\",\"time\":200,\"type\":\"alert\",\"subject\":\"check_http/critical\","
        "\"name\":\"check_http\",\"state\":\"critical\",\"message\":\"1 host CRITICAL on check_http: web2\","
        "\"source\":\"evbatch\",\"data\":{\"count\":1,\"members\":[{\"id\":\"3\",\"state\":\"ok\",\"subject\":\"web1\"}"
        ","
        "{\"id\":\"2\",\"state\":\"critical\",\"subject\":\"web2\"}]},\"previous\":\"critical\",\"reason\":\"changed\","
        "\"since\":100}\n");
}

TEST(BatchGroup, CommandRunsPerNotification) {
    GroupOptions o;
    o.clock = ClockKind::event;
    o.command = {"sh", "-c", "wc -l; echo $EV_COUNT $EV_STATE"};
    int code = 0;
    std::string diag;
    std::string out = run_group_on(o, k_events, code, diag);
    EXPECT_EQ(code, 0);
    EXPECT_NE(out.find("\"output\":\"2\\n2 critical\\n\""), std::string::npos) << out;
    EXPECT_NE(out.find("\"output\":\"2\\n1 critical\\n\""), std::string::npos) << out;
}

TEST(BatchGroup, BadOptionsAreUsageErrors) {
    int code = 0;
    std::string diag;
    GroupOptions o;
    o.interval = "0s";
    run_group_on(o, "", code, diag);
    EXPECT_EQ(code, 2);
    EXPECT_EQ(diag, "evbatch: --interval: must be more than 0\n");
    o = GroupOptions{};
    o.by = "name ==";
    diag.clear();
    run_group_on(o, "", code, diag);
    EXPECT_EQ(code, 2);
}

}  // namespace
}  // namespace ev::batch
