#include "core/utf8.h"

#include <gtest/gtest.h>

namespace {

TEST(Utf8, SequenceLengths) {
    EXPECT_EQ(ev::utf8_sequence_length("a", 0), 1u);
    EXPECT_EQ(ev::utf8_sequence_length("\xC3\xA9", 0), 2u);
    EXPECT_EQ(ev::utf8_sequence_length("\xE2\x82\xAC", 0), 3u);
    EXPECT_EQ(ev::utf8_sequence_length("\xF0\x9F\x98\x80", 0), 4u);
    EXPECT_EQ(ev::utf8_sequence_length("\xC0\xAF", 0), 0u);          // overlong
    EXPECT_EQ(ev::utf8_sequence_length("\xED\xA0\x80", 0), 0u);      // surrogate
    EXPECT_EQ(ev::utf8_sequence_length("\xF4\x90\x80\x80", 0), 0u);  // > U+10FFFF
    EXPECT_EQ(ev::utf8_sequence_length("\xE2\x82", 0), 0u);          // truncated
    EXPECT_EQ(ev::utf8_sequence_length("\x80", 0), 0u);              // continuation
}

TEST(Utf8, AppendEncodesEveryLength) {
    std::string out;
    for (uint32_t cp : {0x41u, 0xE9u, 0x20ACu, 0x1F600u}) {
        ev::append_utf8(cp, out);
    }
    EXPECT_EQ(out, "A\xC3\xA9\xE2\x82\xAC\xF0\x9F\x98\x80");
}

TEST(Utf8, SanitizeReplacesInvalidBytes) {
    EXPECT_EQ(ev::sanitize_utf8("ok \xFF end"), "ok \xEF\xBF\xBD end");
    EXPECT_EQ(ev::sanitize_utf8(std::string_view("a\0b", 3)), std::string("a\0b", 3));
    EXPECT_EQ(ev::sanitize_utf8(std::string_view("a\0b", 3), true),
              "a\xEF\xBF\xBD"
              "b");
}

}  // namespace
