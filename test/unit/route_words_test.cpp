// Tests for lib/route/words.cpp: argv words without any expansion.
#include <gtest/gtest.h>

#include "route/words.h"

namespace ev::route {
namespace {

std::vector<std::string> texts(std::string_view text) {
    WordError error;
    bool ok = true;
    std::vector<std::string> out;
    for (const Word& w : split_words(text, error, ok)) {
        out.push_back(w.comma ? "<,>" : w.text);
    }
    EXPECT_TRUE(ok) << error.message;
    return out;
}

TEST(RouteWords, QuotingWithoutExpansion) {
    EXPECT_EQ(texts(R"(cmd $HOME '$(rm -rf /)' "a \"b\" \\ \n" `id`)"),
              (std::vector<std::string>{"cmd", "$HOME", "$(rm -rf /)", "a \"b\" \\ \n", "`id`"}));
}

TEST(RouteWords, AdjacentPartsJoinAndCommasSeparate) {
    EXPECT_EQ(texts("--a='x y'z, file b,c"), (std::vector<std::string>{"--a=x yz", "<,>", "file", "b", "<,>", "c"}));
    EXPECT_EQ(texts("sort '-t,'"), (std::vector<std::string>{"sort", "-t,"}));
}

TEST(RouteWords, QuotedFlagAndOffsets) {
    WordError error;
    bool ok = true;
    auto words = split_words("a 'continue'", error, ok);
    ASSERT_EQ(words.size(), 2u);
    EXPECT_FALSE(words[0].quoted);
    EXPECT_TRUE(words[1].quoted);
    EXPECT_EQ(words[1].offset, 2u);
}

TEST(RouteWords, Errors) {
    WordError error;
    bool ok = true;
    split_words("a \"open", error, ok);
    EXPECT_FALSE(ok);
    EXPECT_EQ(error.message, "unterminated \" quote");
    EXPECT_EQ(error.offset, 2u);
    split_words(R"(a "\q")", error, ok);
    EXPECT_FALSE(ok);
    EXPECT_EQ(error.message, "unknown escape \\q (use \\\\ \\\" \\n or \\t)");
}

}  // namespace
}  // namespace ev::route
