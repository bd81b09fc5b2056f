// Tests for lib/core/timestamp.cpp: epoch seconds and RFC 3339.
#include <gtest/gtest.h>

#include "core/timestamp.h"

namespace ev {
namespace {

TEST(CoreTimestamp, EpochSeconds) {
    EXPECT_EQ(*parse_timestamp("1790000000"), 1790000000);
    EXPECT_EQ(*parse_timestamp("1790000000.25"), 1790000000.25);
    EXPECT_EQ(*parse_timestamp("0"), 0);
}

TEST(CoreTimestamp, Rfc3339) {
    EXPECT_EQ(*parse_timestamp("1970-01-01T00:00:00Z"), 0);
    EXPECT_EQ(*parse_timestamp("2026-12-02T07:30:00Z"), 1796196600);
    EXPECT_EQ(*parse_timestamp("2026-12-02T09:30:00+02:00"), 1796196600);
    EXPECT_EQ(*parse_timestamp("2026-12-01T23:30:00-08:00"), 1796196600);
    EXPECT_EQ(*parse_timestamp("2026-12-02t07:30:00.5z"), 1796196600.5);
    EXPECT_EQ(*parse_timestamp("2026-12-02 07:30:00Z"), 1796196600);
    EXPECT_EQ(*parse_timestamp("2024-02-29T00:00:00Z"), 1709164800);
    EXPECT_EQ(*parse_timestamp("1969-12-31T23:59:59Z"), -1);
}

TEST(CoreTimestamp, Rejects) {
    for (const char* bad : {"", "abc", "1e400", "12x", "2026-12-02", "2026-12-02T07:30:00", "2026-13-01T00:00:00Z",
                            "2023-02-29T00:00:00Z", "2026-12-02T24:00:00Z", "2026-12-02T07:30:00+2:00",
                            "2026-12-02T07:30:00.Z", "2026-12-02T07:30:00Zjunk", "nan", "inf"}) {
        auto t = parse_timestamp(bad);
        EXPECT_FALSE(t) << bad;
        if (!t) {
            EXPECT_NE(t.error().find("is not a time"), std::string::npos) << bad;
        }
    }
}

TEST(CoreTimestamp, FormatsUtc) {
    EXPECT_EQ(format_rfc3339(0), "1970-01-01T00:00:00Z");
    EXPECT_EQ(format_rfc3339(1796196600), "2026-12-02T07:30:00Z");
    EXPECT_EQ(format_rfc3339(1796196600.25), "2026-12-02T07:30:00.250Z");
    EXPECT_EQ(format_rfc3339(-1), "1969-12-31T23:59:59Z");
    for (double t : {0.0, 951782400.0, 1709164800.0, 1796196600.5, 4102444800.0}) {
        EXPECT_EQ(*parse_timestamp(format_rfc3339(t)), t);
    }
}

}  // namespace
}  // namespace ev
