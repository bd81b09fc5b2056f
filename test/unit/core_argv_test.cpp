// Tests for lib/core/argv.cpp: what event data may put into an argv.
#include "core/argv.h"

#include <gtest/gtest.h>

namespace {

TEST(Argv, ValuesBeginningWithADashAreRefused) {
    for (std::string_view bad : {"-oProxyCommand=touch /tmp/x", "--output=/tmp/x", "-", "--", "-9", "-rf"}) {
        auto r = ev::check_argv_value(bad);
        ASSERT_FALSE(r.ok()) << bad;
        EXPECT_NE(r.error().find("begins with '-' and would be read as an option"), std::string::npos) << r.error();
    }
    EXPECT_EQ(ev::check_argv_value("-oProxyCommand=x").error(),
              "\"-oProxyCommand=x\" begins with '-' and would be read as an option");
}

TEST(Argv, OtherValuesPass) {
    for (std::string_view good : {"", "web1.example.com", "a-b", " -x", "x--y", "5", "\xE2\x80\x90x"}) {
        EXPECT_TRUE(ev::check_argv_value(good).ok()) << good;
    }
}

TEST(Argv, NulBytesAreRefusedAnywhere) {
    EXPECT_TRUE(ev::check_argv_bytes("abc").ok());
    auto r = ev::check_argv_bytes(std::string_view("ab\0c", 4));
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.error(), "\"ab\\u0000c\" holds a NUL byte, which would cut the argument short");
}

TEST(Argv, QuotePrefixEscapesAndCutsAtACharacter) {
    EXPECT_EQ(ev::quote_prefix("a\nb|\x1b[2J"), "\"a\\nb|\\u001b[2J\"");
    EXPECT_EQ(ev::quote_prefix("abcdef", 4), "\"abcd...\"");
    // "é" is two bytes: a cut never splits it.
    EXPECT_EQ(ev::quote_prefix("abc\xC3\xA9z", 4), "\"abc...\"");
    EXPECT_EQ(ev::quote_prefix("ab\xFF", 10), "\"ab\xEF\xBF\xBD\"");
    EXPECT_EQ(ev::quote_prefix(std::string(1000, 'x')).size(), 40u + 5u);
}

}  // namespace
