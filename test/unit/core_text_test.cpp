// for_each_config_line: the one walk over NDJSON configuration files
// (silences, inhibit rules); read_text_file_at_most: a file with a cap.
#include <gtest/gtest.h>

#include <cstdio>
#include <fstream>
#include <string>
#include <vector>

#include "core/text.h"

namespace ev {
namespace {

TEST(ForEachConfigLine, SkipsBlankLinesAndCommentsAndCountsEveryLine) {
    std::vector<std::string> seen;
    auto walked = for_each_config_line("# rules\n\n  {\"a\":1}\r\n\t\n  # indented comment\n{\"b\":2}", "f",
                                       [&seen](simdjson::dom::element e) -> Result<void> {
                                           seen.push_back(simdjson::minify(e));
                                           return {};
                                       });
    ASSERT_TRUE(walked) << walked.error();
    EXPECT_EQ(seen, (std::vector<std::string>{"{\"a\":1}", "{\"b\":2}"}));
}

TEST(ForEachConfigLine, ABadLineNamesFileAndLineAndEndsTheWalk) {
    int calls = 0;
    auto count = [&calls](simdjson::dom::element) -> Result<void> {
        ++calls;
        return {};
    };
    auto walked = for_each_config_line("{}\n# x\n{nope\n{}", "rules.ndjson", count);
    ASSERT_FALSE(walked);
    EXPECT_EQ(walked.error().rfind("rules.ndjson:3: not JSON: ", 0), 0u) << walked.error();
    EXPECT_EQ(calls, 1);
}

TEST(ForEachConfigLine, TheCallersErrorGetsTheSamePrefix) {
    auto walked = for_each_config_line("\n\n[1]\n", "s", [](simdjson::dom::element e) -> Result<void> {
        if (!e.is_object()) {
            return make_error("must be an object");
        }
        return {};
    });
    ASSERT_FALSE(walked);
    EXPECT_EQ(walked.error(), "s:3: must be an object");
}

TEST(ForEachConfigLine, EmptyTextIsNoLines) {
    auto walked =
        for_each_config_line("", "f", [](simdjson::dom::element) -> Result<void> { return make_error("called"); });
    EXPECT_TRUE(walked);
}

TEST(ReadTextFileAtMost, ReadsUpToTheCapAndRefusesMore) {
    std::string path = ::testing::TempDir() + "/evkit-text-cap";
    std::ofstream(path) << std::string(100000, 'x');
    auto whole = read_text_file_at_most(path, 100000);
    ASSERT_TRUE(whole) << whole.error();
    EXPECT_EQ(whole->size(), 100000u);
    auto capped = read_text_file_at_most(path, 99999);
    ASSERT_FALSE(capped);
    EXPECT_EQ(capped.error(), path + ": larger than 99999 bytes");
    std::remove(path.c_str());
    auto missing = read_text_file_at_most(path, 10);
    ASSERT_FALSE(missing);
    EXPECT_EQ(missing.error(), path + ": No such file or directory");
}

}  // namespace
}  // namespace ev
