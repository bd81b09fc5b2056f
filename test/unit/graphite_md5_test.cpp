#include "graphite/md5.h"

#include <gtest/gtest.h>

#include <string>

namespace {

std::string hex(std::string_view data) {
    static const char* digits = "0123456789abcdef";
    std::string out;
    for (uint8_t b : ev::graphite::md5(data)) {
        out += digits[b >> 4];
        out += digits[b & 15];
    }
    return out;
}

TEST(GraphiteMd5, Rfc1321TestSuite) {
    EXPECT_EQ(hex(""), "d41d8cd98f00b204e9800998ecf8427e");
    EXPECT_EQ(hex("a"), "0cc175b9c0f1b6a831c399e269772661");
    EXPECT_EQ(hex("abc"), "900150983cd24fb0d6963f7d28e17f72");
    EXPECT_EQ(hex("message digest"), "f96b697d7cb7938d525a2f31aaf161d0");
    EXPECT_EQ(hex("abcdefghijklmnopqrstuvwxyz"), "c3fcd3d76192e4007dfb496cca67e13b");
    EXPECT_EQ(hex("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"),
              "d174ab98d277d9f5a5611c2c9f419d9f");
    EXPECT_EQ(hex("12345678901234567890123456789012345678901234567890123456789012345678901234567890"),
              "57edf4a22be3c955ac49da2e2107b67a");
}

TEST(GraphiteMd5, LengthsAroundTheBlockEdge) {
    // 55, 56 and 64 bytes change how the padding is laid out (values from Python's hashlib).
    EXPECT_EQ(hex(std::string(55, 'x')), "04364420e25c512fd958a70738aa8f72");
    EXPECT_EQ(hex(std::string(56, 'x')), "668a72d5ba17f08e62dabcafad6db14b");
    EXPECT_EQ(hex(std::string(63, 'x')), "7dc2ca208106a2f703567bdff99d8981");
    EXPECT_EQ(hex(std::string(64, 'x')), "c1bb4f81d892b2d57947682aeb252456");
    EXPECT_EQ(hex(std::string(65, 'x')), "1bc932052302d074bdec39795fe00cf6");
    EXPECT_EQ(hex(std::string(128, 'x')), "d69cb61a6ee87200676eb0d4b90edbcb");
}

TEST(GraphiteMd5, PiecesSumAsTheWhole) {
    std::string data;
    for (int i = 0; i < 300; ++i) {
        data += static_cast<char>('a' + i % 26);
    }
    for (std::size_t cut1 : {0, 1, 55, 63, 64, 65, 130}) {
        for (std::size_t cut2 : {cut1, cut1 + 1, cut1 + 64, std::size_t{299}, std::size_t{300}}) {
            if (cut2 < cut1 || cut2 > data.size()) {
                continue;
            }
            ev::graphite::Md5 sum;
            std::string_view view = data;
            sum.update(view.substr(0, cut1));
            sum.update(view.substr(cut1, cut2 - cut1));
            sum.update(view.substr(cut2));
            EXPECT_EQ(sum.digest(), ev::graphite::md5(data)) << cut1 << " " << cut2;
        }
    }
}

}  // namespace
