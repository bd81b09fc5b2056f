#include "core/escape.h"

#include <gtest/gtest.h>

#include <string>

using ev::escape_prefix;
using ev::escape_text;

TEST(Escape, PlainTextIsUnchanged) {
    EXPECT_EQ(escape_text(""), "");
    EXPECT_EQ(escape_text("web1.example.com disk./var 'x' \"y\" ~"), "web1.example.com disk./var 'x' \"y\" ~");
    EXPECT_EQ(escape_text("Grüße, 東京, emoji \xF0\x9F\x98\x80"), "Grüße, 東京, emoji \xF0\x9F\x98\x80");
}

TEST(Escape, LineBreaksCannotForgeALine) {
    EXPECT_EQ(escape_text("a\nOK - fake | x=1"), "a\\nOK - fake \\x7c x=1");
    EXPECT_EQ(escape_text("a\r\nb\tc"), "a\\r\\nb\\tc");
}

TEST(Escape, PipeHasNoRawPipeLeft) {
    // Nagios splits at the first '|' byte, so "\|" would not do.
    std::string out = escape_text("a|b||");
    EXPECT_EQ(out, "a\\x7cb\\x7c\\x7c");
    EXPECT_EQ(out.find('|'), std::string::npos);
}

TEST(Escape, BackslashIsDoubledSoEscapesAreUnambiguous) {
    EXPECT_EQ(escape_text("C:\\temp"), "C:\\\\temp");
    EXPECT_EQ(escape_text("\\n"), "\\\\n");  // a literal backslash-n is not a newline
    EXPECT_EQ(escape_text("\\x7c"), "\\\\x7c");
}

TEST(Escape, EveryC0ControlAndDel) {
    for (int c = 0; c < 0x20; ++c) {
        std::string in(1, static_cast<char>(c));
        std::string out = escape_text(in);
        ASSERT_GE(out.size(), 2u) << c;
        EXPECT_EQ(out[0], '\\') << c;
        for (char o : out) {
            EXPECT_TRUE(o >= 0x20 && o < 0x7f) << c;
        }
    }
    EXPECT_EQ(escape_text(std::string("\x1b[2J\0z", 6)), "\\x1b[2J\\x00z");
    EXPECT_EQ(escape_text("\x07\x08\x0b\x0c\x7f"), "\\x07\\x08\\x0b\\x0c\\x7f");
}

TEST(Escape, C1ControlsAsCodePoints) {
    EXPECT_EQ(escape_text("\xC2\x80"), "\\u{80}");
    EXPECT_EQ(escape_text("a\xC2\x9B"
                          "2Jb"),
              "a\\u{9b}2Jb");                                       // CSI
    EXPECT_EQ(escape_text("\xC2\x85"), "\\u{85}");                  // NEL
    EXPECT_EQ(escape_text("\xC2\x9F\xC2\xA0"), "\\u{9f}\xC2\xA0");  // no-break space stays
}

TEST(Escape, SeparatorsAndBidiControls) {
    EXPECT_EQ(escape_text("a\xE2\x80\xA8"
                          "b\xE2\x80\xA9"),
              "a\\u{2028}b\\u{2029}");
    EXPECT_EQ(escape_text("\xE2\x80\xAE"
                          "txt.exe"),
              "\\u{202e}txt.exe");  // right-to-left override
    EXPECT_EQ(escape_text("\xE2\x80\xAA\xE2\x80\xAB\xE2\x80\xAC\xE2\x80\xAD"), "\\u{202a}\\u{202b}\\u{202c}\\u{202d}");
    EXPECT_EQ(escape_text("\xE2\x81\xA6\xE2\x81\xA7\xE2\x81\xA8\xE2\x81\xA9"), "\\u{2066}\\u{2067}\\u{2068}\\u{2069}");
    EXPECT_EQ(escape_text("\xE2\x80\x8E\xE2\x80\x8F\xD8\x9C"), "\\u{200e}\\u{200f}\\u{61c}");
    // Neighbours stay: en dash U+2013, U+202F narrow no-break space, U+2065 (unassigned), U+206A.
    EXPECT_EQ(escape_text("\xE2\x80\x93\xE2\x80\xAF\xE2\x81\xA5\xE2\x81\xAA"),
              "\xE2\x80\x93\xE2\x80\xAF\xE2\x81\xA5\xE2\x81\xAA");
}

TEST(Escape, InvalidBytesAsHex) {
    EXPECT_EQ(escape_text("a\xFF"
                          "b"),
              "a\\xffb");
    EXPECT_EQ(escape_text("\xC2"), "\\xc2");                    // truncated sequence
    EXPECT_EQ(escape_text("\xC0\xAF"), "\\xc0\\xaf");           // overlong
    EXPECT_EQ(escape_text("\xED\xA0\x80"), "\\xed\\xa0\\x80");  // surrogate
    EXPECT_EQ(escape_text("\x80"), "\\x80");                    // a lone continuation byte, not U+0080
}

TEST(Escape, OutputIsPrintableAsciiOrHarmlessUtf8ForAnyByte) {
    for (int c = 0; c < 256; ++c) {
        for (int d = 0; d < 256; d += 15) {
            std::string in{static_cast<char>(c), static_cast<char>(d)};
            std::string out = escape_text(in);
            for (char o : out) {
                auto u = static_cast<unsigned char>(o);
                EXPECT_TRUE(u >= 0x20 && u != 0x7f && u != '|') << c << " " << d;
            }
        }
    }
}

TEST(Escape, AppendAddsToWhatIsThere) {
    std::string out = "subject: ";
    ev::append_escaped("a\nb", out);
    EXPECT_EQ(out, "subject: a\\nb");
}

TEST(EscapePrefix, ShortTextWhole) {
    EXPECT_EQ(escape_prefix("abc"), "abc");
    EXPECT_EQ(escape_prefix(std::string(64, 'x')), std::string(64, 'x'));
    EXPECT_EQ(escape_prefix("a|b", 3), "a\\x7cb");
}

TEST(EscapePrefix, LongTextCutWithDots) {
    EXPECT_EQ(escape_prefix(std::string(65, 'x')), std::string(64, 'x') + "...");
    EXPECT_EQ(escape_prefix(std::string(10 << 20, 'y')), std::string(64, 'y') + "...");
    EXPECT_EQ(escape_prefix("abcdef", 3), "abc...");
    EXPECT_EQ(escape_prefix("\n\n\n\n", 2), "\\n\\n...");
}

TEST(EscapePrefix, NeverCutsInsideACharacter) {
    // "ü" is 2 bytes, "東" 3, the emoji 4: a cut inside one moves before it.
    EXPECT_EQ(escape_prefix("ab\xC3\xBC", 3), "ab...");
    EXPECT_EQ(escape_prefix("a\xE6\x9D\xB1"
                            "b",
                            2),
              "a...");
    EXPECT_EQ(escape_prefix("a\xE6\x9D\xB1"
                            "b",
                            3),
              "a...");
    EXPECT_EQ(escape_prefix("a\xE6\x9D\xB1"
                            "b",
                            4),
              "a\xE6\x9D\xB1...");
    EXPECT_EQ(escape_prefix("\xF0\x9F\x98\x80\xF0\x9F\x98\x80", 7), "\xF0\x9F\x98\x80...");
    // Invalid bytes are single bytes: cut anywhere.
    EXPECT_EQ(escape_prefix("\x80\x80\x80\x80", 2), "\\x80\\x80...");
    EXPECT_EQ(escape_prefix("ab\xE6\x9D", 3), "ab\\xe6...");
}
