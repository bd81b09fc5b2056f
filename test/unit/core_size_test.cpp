#include "core/size.h"

#include <gtest/gtest.h>

namespace {

TEST(Size, OneGrammarForEveryOption) {
    EXPECT_EQ(*ev::parse_size("65536"), 65536u);
    EXPECT_EQ(*ev::parse_size("512B"), 512u);
    EXPECT_EQ(*ev::parse_size("64K"), 65536u);
    EXPECT_EQ(*ev::parse_size("64k"), 65536u);
    EXPECT_EQ(*ev::parse_size("64KiB"), 65536u);
    EXPECT_EQ(*ev::parse_size("1M"), 1048576u);
    EXPECT_EQ(*ev::parse_size("1MiB"), 1048576u);
    EXPECT_EQ(*ev::parse_size("2G"), uint64_t{2} << 30);
    EXPECT_EQ(*ev::parse_size("2GiB"), uint64_t{2} << 30);
    EXPECT_EQ(*ev::parse_size("0"), 0u);
}

TEST(Size, RejectsWhatIsNotASize) {
    for (const char* bad : {"", "K", "-1", "1.5M", "1 M", "1KB", "1mb", "1T", "M1", "0x10", "1Mi"}) {
        auto r = ev::parse_size(bad);
        ASSERT_FALSE(r.ok()) << bad;
        EXPECT_NE(r.error().find("not a size"), std::string::npos) << r.error();
    }
    EXPECT_NE(ev::parse_size("99999999999999999999").error().find("too large"), std::string::npos);
    EXPECT_NE(ev::parse_size("17179869184G").error().find("too large"), std::string::npos);
}

TEST(Size, FormatsTheShortestExactForm) {
    EXPECT_EQ(ev::format_size(1048576), "1M");
    EXPECT_EQ(ev::format_size(1536), "1536");
    EXPECT_EQ(ev::format_size(65536), "64K");
    EXPECT_EQ(ev::format_size(uint64_t{3} << 30), "3G");
    EXPECT_EQ(ev::format_size(0), "0");
    for (uint64_t v : {uint64_t{1}, uint64_t{1023}, uint64_t{4096}, uint64_t{5} << 20}) {
        EXPECT_EQ(*ev::parse_size(ev::format_size(v)), v);
    }
}

}  // namespace
