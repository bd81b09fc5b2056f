// Tests for lib/batch/each.cpp: the each mode engine, in process, on temp files.
#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <sstream>

#include "batch/each.h"
#include "core/input.h"
#include "core/signals.h"
#include "core/writer.h"

namespace ev::batch {
namespace {

// A temporary file holding text; removed at the end of the test.
struct TempFile {
    std::string path;
    explicit TempFile(const std::string& text) {
        char name[] = "/tmp/evbatch_each_XXXXXX";
        int fd = mkstemp(name);
        path = name;
        if (write(fd, text.data(), text.size()) != static_cast<ssize_t>(text.size())) {
            ADD_FAILURE() << "write failed";
        }
        close(fd);
    }
    ~TempFile() { std::remove(path.c_str()); }
    std::string read() const {
        std::ifstream in(path);
        std::stringstream s;
        s << in.rdbuf();
        return s.str();
    }
};

struct EachRun {
    int code;
    std::string out;
    std::string err;
};

EachRun run_with(EachOptions options, const std::string& events) {
    signals::reset();
    TempFile in(events);
    TempFile out("");
    TempFile err("");
    options.input.files = {in.path};
    options.progress = "never";
    FILE* o = std::fopen(out.path.c_str(), "w");
    FILE* e = std::fopen(err.path.c_str(), "w");
    std::string diag_text;
    Diagnostics diag("evbatch", [&](std::string_view line) { diag_text += line; });
    int code = 0;
    {
        Input input(options.input, diag);
        Writer sink(fileno(o));
        code = run_each(options, input, sink, fileno(e), diag);
    }
    std::fclose(o);
    std::fclose(e);
    return {code, out.read(), diag_text + err.read()};
}

TEST(BatchEach, SummaryLine) {
    EXPECT_EQ(summary_line(11, 1, 40), "Finished 12 / 40 actions: 11 ok, 1 failed, 28 not started");
    EXPECT_EQ(summary_line(0, 0, 0), "Finished 0 / 0 actions: 0 ok, 0 failed, 0 not started");
}

TEST(BatchEach, DryRunPrintsQuotedArgvs) {
    EachOptions o;
    o.command = {"ssh", "{subject}", "uptime"};
    o.dry_run = true;
    EachRun r = run_with(o, "{\"subject\":\"web1\"}\n{\"subject\":\"a b\"}\n");
    EXPECT_EQ(r.code, 0);
    EXPECT_EQ(r.out, "ssh web1 uptime\nssh 'a b' uptime\n");
    EXPECT_EQ(r.err, "");
}

TEST(BatchEach, OneResultPerEvent) {
    EachOptions o;
    o.command = {"true"};
    o.concurrency = 3;
    EachRun r = run_with(o, "{\"subject\":\"a\"}\n{\"subject\":\"b\"}\n{\"subject\":\"c\"}\n{\"subject\":\"d\"}\n");
    EXPECT_EQ(r.code, 0);
    std::size_t lines = 0, ok = 0;
    std::istringstream s(r.out);
    for (std::string line; std::getline(s, line);) {
        ++lines;
        ok += line.find("\"state\":\"ok\"") != std::string::npos;
    }
    EXPECT_EQ(lines, 4u);
    EXPECT_EQ(ok, 4u);
}

TEST(BatchEach, MaxFailStopsAndSummarises) {
    EachOptions o;
    o.command = {"false"};
    o.max_fail = "0";
    EachRun r = run_with(o, "{\"subject\":\"a\"}\n{\"subject\":\"b\"}\n{\"subject\":\"c\"}\n");
    EXPECT_EQ(r.code, k_action_failed);
    EXPECT_EQ(r.err,
              "evbatch: stopping: 1 of 1 actions failed, more than --max-fail 0\n"
              "Finished 1 / 3 actions: 0 ok, 1 failed, 2 not started\n");
}

TEST(BatchEach, SummaryLineNamesRefusals) {
    EXPECT_EQ(summary_line(1, 2, 5, 1), "Finished 3 / 5 actions: 1 ok, 2 failed (1 refused), 2 not started");
}

// Counts lines of out holding needle.
std::size_t count_lines(const std::string& out, const std::string& needle) {
    std::size_t n = 0;
    std::istringstream s(out);
    for (std::string line; std::getline(s, line);) {
        n += line.find(needle) != std::string::npos;
    }
    return n;
}

TEST(BatchEach, AValueBeginningWithADashIsRefusedNotRun) {
    TempFile marker("");
    std::remove(marker.path.c_str());
    EachOptions o;
    // sort --output=FILE would create FILE.
    o.command = {"sort", "{subject}", "/dev/null"};
    EachRun r =
        run_with(o, "{\"id\":\"e1\",\"subject\":\"--output=" + marker.path + "\"}\n{\"subject\":\"/dev/null\"}\n");
    EXPECT_EQ(r.code, k_action_failed);
    EXPECT_NE(access(marker.path.c_str(), F_OK), 0) << "sort ran with the option";
    EXPECT_EQ(count_lines(r.out, "\"state\":\"unknown\""), 1u) << r.out;
    EXPECT_EQ(count_lines(r.out, "\"state\":\"ok\""), 1u) << r.out;
    EXPECT_EQ(count_lines(r.out, "\"data\":{\"refused\":true},\"cause\":\"e1\""), 1u) << r.out;
    EXPECT_NE(r.err.find("line 1: not run: argument 1 '{subject}': \"--output="), std::string::npos) << r.err;
    EXPECT_NE(r.err.find("evbatch: 1 action not run: a placeholder value began with '-' (--allow-dash allows it)\n"),
              std::string::npos)
        << r.err;
}

TEST(BatchEach, AllowDashRunsIt) {
    TempFile marker("");
    std::remove(marker.path.c_str());
    EachOptions o;
    o.command = {"sort", "{subject}", "/dev/null"};
    o.allow_dash = true;
    EachRun r = run_with(o, "{\"subject\":\"--output=" + marker.path + "\"}\n");
    EXPECT_EQ(r.code, 0) << r.err;
    EXPECT_EQ(access(marker.path.c_str(), F_OK), 0);
    EXPECT_EQ(count_lines(r.out, "\"state\":\"ok\""), 1u) << r.out;
    EXPECT_EQ(r.err, "");
}

TEST(BatchEach, RefusalsCountAgainstMaxFail) {
    EachOptions o;
    o.command = {"echo", "{subject}"};
    o.max_fail = "1";
    EachRun r = run_with(o, "{\"subject\":\"-a\"}\n{\"subject\":\"ok\"}\n{\"subject\":\"-b\"}\n{\"subject\":\"c\"}\n");
    EXPECT_EQ(r.code, k_action_failed);
    EXPECT_EQ(count_lines(r.out, "\"state\":\"unknown\""), 2u) << r.out;
    EXPECT_EQ(count_lines(r.out, "\"state\":\"ok\""), 1u) << r.out;
    EXPECT_NE(r.err.find("evbatch: stopping: 2 of 3 actions failed, more than --max-fail 1\n"), std::string::npos)
        << r.err;
    EXPECT_NE(r.err.find("Finished 3 / 4 actions: 1 ok, 2 failed (2 refused), 1 not started\n"), std::string::npos)
        << r.err;
}

TEST(BatchEach, DryRunShowsARefusalAsAComment) {
    EachOptions o;
    o.command = {"ssh", "{subject}", "uptime"};
    o.dry_run = true;
    EachRun r = run_with(o, "{\"subject\":\"web1\"}\n{\"subject\":\"-oProxyCommand=x\\nid\"}\n");
    EXPECT_EQ(r.code, k_action_failed);
    EXPECT_EQ(r.out,
              "ssh web1 uptime\n"
              "# not run: argument 1 '{subject}': \"-oProxyCommand=x\\nid\" begins with '-' and would be read as an "
              "option (--allow-dash allows it)\n");
}

TEST(BatchEach, UsageErrors) {
    EachOptions o;
    o.command = {"echo", "{"};
    EXPECT_EQ(run_with(o, "").code, 2);
    o.command = {"true"};
    o.batch_sleep = "soon";
    EXPECT_EQ(run_with(o, "").code, 2);
    o.batch_sleep = "0";
    o.progress = "sometimes";
    signals::reset();
    Diagnostics diag("evbatch", [](std::string_view) {});
    Input input(o.input, diag);
    Writer sink(1);
    EXPECT_EQ(run_each(o, input, sink, 2, diag), 2);
}

}  // namespace
}  // namespace ev::batch
