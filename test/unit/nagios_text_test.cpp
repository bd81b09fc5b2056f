#include "nagios/text.h"

#include <gtest/gtest.h>

namespace ev::nagios {
namespace {

TEST(NagiosText, ValidUtf8KeepsGoodAndReplacesBad) {
    EXPECT_EQ(valid_utf8("plain ascii"), "plain ascii");
    EXPECT_EQ(valid_utf8("caf\xC3\xA9 \xE2\x82\xAC \xF0\x9F\x98\x80"), "caf\xC3\xA9 \xE2\x82\xAC \xF0\x9F\x98\x80");
    const std::string r = "\xEF\xBF\xBD";
    EXPECT_EQ(valid_utf8("\xFF"), r);
    EXPECT_EQ(valid_utf8(std::string("a\0b", 3)), "a" + r + "b");
    EXPECT_EQ(valid_utf8("\xC3"), r);                          // cut short
    EXPECT_EQ(valid_utf8("\xC0\x80"), r + r);                  // overlong
    EXPECT_EQ(valid_utf8("\xED\xA0\x80"), r + r + r);          // surrogate
    EXPECT_EQ(valid_utf8("\xF4\x90\x80\x80"), r + r + r + r);  // above U+10FFFF
}

TEST(NagiosText, Trim) {
    EXPECT_EQ(trim(" \t a b \r\n"), "a b");
    EXPECT_EQ(trim(""), "");
    EXPECT_EQ(trim(" \n"), "");
}

TEST(NagiosText, ParseSize) {
    EXPECT_EQ(*parse_size("8192"), 8192u);
    EXPECT_EQ(*parse_size("8K"), 8192u);
    EXPECT_EQ(*parse_size("1M"), 1048576u);
    EXPECT_EQ(*parse_size("16KiB"), 16384u);
    for (const char* bad : {"", "0", "K", "8X", "-1", "2G", "1025M"}) {
        EXPECT_FALSE(parse_size(bad).ok()) << bad;
    }
}

}  // namespace
}  // namespace ev::nagios
