// Tests for lib/route/router.cpp: option parsing helpers.
#include <gtest/gtest.h>

#include "route/router.h"

namespace ev::route {
namespace {

TEST(RouteRouter, ParseSize) {
    EXPECT_EQ(*parse_size("65536"), 65536u);
    EXPECT_EQ(*parse_size("64K"), 65536u);
    EXPECT_EQ(*parse_size("1M"), 1048576u);
    EXPECT_EQ(*parse_size("2G"), 2147483648u);
    EXPECT_FALSE(parse_size("").ok());
    EXPECT_FALSE(parse_size("0").ok());
    EXPECT_FALSE(parse_size("1T").ok());
    EXPECT_FALSE(parse_size("K").ok());
    EXPECT_EQ(parse_size("1.5M").error(), "expected a size like 65536, 64K or 1M, got '1.5M'");
}

}  // namespace
}  // namespace ev::route
