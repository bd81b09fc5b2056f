#include "core/input.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

namespace {

std::string temp_path(const char* name) {
    return std::string(testing::TempDir()) + "/" + name;
}

void write_file(const std::string& path, const std::string& text) {
    std::ofstream(path, std::ios::binary) << text;
}

std::string read_file(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
}

struct Run {
    std::vector<std::string> lines;
    std::vector<uint64_t> numbers;
    std::string diag;
    uint64_t rejected = 0;
    bool fatal = false;
};

Run run_input(const std::string& text, ev::InputOptions options) {
    std::string path = temp_path("input.ndjson");
    write_file(path, text);
    options.files = {path};
    Run run;
    ev::Diagnostics diag("tool", [&run](std::string_view s) { run.diag += s; });
    ev::Input input(options, diag);
    EXPECT_TRUE(input.open().ok());
    ev::Record record;
    while (input.next(record) == ev::Input::Next::record) {
        run.lines.emplace_back(record.line);
        run.numbers.push_back(record.number);
    }
    input.finish();
    run.rejected = input.rejected();
    run.fatal = input.fatal();
    return run;
}

TEST(Input, KeepsValidLinesAroundBadOnes) {
    std::string bad_utf8 = "{\"a\":\"\xff\"}";
    auto run = run_input("{\"a\":1}\nnot json\n[1,2]\n" + bad_utf8 + "\n\n{\"b\":2}", {});
    EXPECT_EQ(run.lines, (std::vector<std::string>{"{\"a\":1}", "{\"b\":2}"}));
    EXPECT_EQ(run.numbers, (std::vector<uint64_t>{1, 6}));
    EXPECT_EQ(run.rejected, 3u);
    std::string path = temp_path("input.ndjson");
    EXPECT_NE(run.diag.find(path + ": line 2: invalid JSON"), std::string::npos) << run.diag;
    EXPECT_NE(run.diag.find(path + ": line 3: not a JSON object"), std::string::npos) << run.diag;
    EXPECT_NE(run.diag.find(path + ": line 4: invalid UTF-8"), std::string::npos) << run.diag;
    EXPECT_NE(run.diag.find("tool: 3 lines rejected"), std::string::npos) << run.diag;
}

TEST(Input, WritesRejectsVerbatim) {
    ev::InputOptions options;
    options.rejects_path = temp_path("rejects.ndjson");
    std::remove(options.rejects_path.c_str());
    options.max_line = 50;
    std::string big = "{\"x\":\"" + std::string(100, 'a') + "\"}";
    auto run = run_input("{\"ok\":1}\r\n{broken\r\n" + big + "\n{\"ok\":2}\n", options);
    EXPECT_EQ(run.lines.size(), 2u);
    EXPECT_EQ(read_file(options.rejects_path), "{broken\n" + big + "\n");
    EXPECT_NE(run.diag.find("line 3: line longer than 50 bytes"), std::string::npos) << run.diag;
}

TEST(Input, StrictStopsAtFirstBadLine) {
    ev::InputOptions options;
    options.strict = true;
    auto run = run_input("{\"a\":1}\nbad\n{\"b\":2}\n", options);
    EXPECT_EQ(run.lines, (std::vector<std::string>{"{\"a\":1}"}));
    EXPECT_TRUE(run.fatal);
}

TEST(Input, RateLimitsReportsButCountsAll) {
    std::string text;
    for (int i = 0; i < 50; ++i) {
        text += "bad\n";
    }
    auto run = run_input(text, {});
    EXPECT_EQ(run.rejected, 50u);
    EXPECT_NE(run.diag.find("50 lines rejected (40 not shown)"), std::string::npos) << run.diag;
}

TEST(Input, MissingFileIsReportedAndOthersAreRead) {
    std::string good = temp_path("good.ndjson");
    write_file(good, "{\"a\":1}\n");
    std::string diag_text;
    ev::Diagnostics diag("tool", [&](std::string_view s) { diag_text += s; });
    ev::InputOptions options;
    options.files = {temp_path("missing.ndjson"), good};
    ev::Input input(options, diag);
    ev::Record record;
    ASSERT_EQ(input.next(record), ev::Input::Next::record);
    EXPECT_EQ(record.line, "{\"a\":1}");
    EXPECT_TRUE(input.io_failed());
    EXPECT_NE(diag_text.find("missing.ndjson: No such file or directory"), std::string::npos);
}

}  // namespace

TEST(Input, RejectsDuplicatesOfTheFieldsToolsRead) {
    // Every field tools read, doubled, is bad input; so the same line cannot
    // mean one identity to one tool and another to the next.
    for (const char* key :
         {"id", "time", "type", "subject", "name", "state", "severity", "ttl", "metric", "tags", "message"}) {
        std::string line = std::string("{\"") + key + "\":1,\"x\":2,\"" + key + "\":3}";
        auto run = run_input("{\"a\":1}\n" + line + "\n{\"b\":2}\n", {});
        EXPECT_EQ(run.lines, (std::vector<std::string>{"{\"a\":1}", "{\"b\":2}"})) << key;
        EXPECT_EQ(run.rejected, 1u) << key;
        EXPECT_NE(run.diag.find(std::string("line 2: duplicate key \"") + key + "\""), std::string::npos) << run.diag;
    }
}

TEST(Input, KeepsDuplicatesOfOtherFieldsAndNestedOnes) {
    // Fields no tool reads by contract pass through verbatim, as do nested keys
    // (a webhook body in data may repeat its own keys).
    auto run = run_input(
        "{\"x\":1,\"x\":2}\n{\"subject\":\"a\",\"data\":{\"subject\":1,\"subject\":2}}\n"
        "{\"subjects\":1,\"subject\":2,\"names\":3,\"name\":4}\n",
        {});
    EXPECT_EQ(run.lines.size(), 3u);
    EXPECT_EQ(run.rejected, 0u);
}

TEST(Input, RejectsAStateAndSeverityThatDisagree) {
    // Each implies the other (docs/events.md), so a line holding both must
    // mean one state; values that are no state at all are the tools' business.
    auto run = run_input(
        "{\"state\":\"critical\",\"severity\":2}\n{\"state\":\"ok\",\"severity\":1}\n"
        "{\"state\":\"bogus\",\"severity\":1}\n{\"state\":\"warning\",\"severity\":\"2\"}\n"
        "{\"severity\":3}\n",
        {});
    EXPECT_EQ(run.numbers, (std::vector<uint64_t>{1, 3, 4, 5}));
    EXPECT_EQ(run.rejected, 1u);
    EXPECT_NE(run.diag.find("line 2: state and severity disagree"), std::string::npos) << run.diag;
}

TEST(Input, KeepPreviousKeepsTheRecordBeforeValid) {
    // Two parsers take turns: the previous record's root and fields still read
    // right after the next one was parsed, bad lines in between included.
    std::string path = temp_path("keep.ndjson");
    write_file(path,
               "{\"subject\":\"a\",\"n\":1}\nnot json\n{\"subject\":\"b\",\"n\":2}\n{\"subject\":\"c\",\"n\":3}\n");
    ev::InputOptions options;
    options.files = {path};
    std::string diag_text;
    ev::Diagnostics diag("tool", [&](std::string_view s) { diag_text += s; });
    ev::Input input(options, diag);
    input.keep_previous();
    ASSERT_TRUE(input.open().ok());
    ev::Record records[2];
    ASSERT_EQ(input.next(records[0]), ev::Input::Next::record);
    int64_t n = 0;
    for (int i = 1; i < 3; ++i) {
        ev::Record& now = records[i % 2];
        ev::Record& before = records[(i + 1) % 2];
        ASSERT_EQ(input.next(now), ev::Input::Next::record);
        EXPECT_EQ(before.fields.get(ev::Field::subject)->get_string().value(),
                  std::string(1, static_cast<char>('a' + i - 1)));
        ASSERT_EQ(before.root["n"].get_int64().get(n), simdjson::SUCCESS);
        EXPECT_EQ(n, i);
        EXPECT_EQ(now.fields.get(ev::Field::subject)->get_string().value(), std::string(1, static_cast<char>('a' + i)));
    }
    EXPECT_EQ(input.rejected(), 1u);
}
