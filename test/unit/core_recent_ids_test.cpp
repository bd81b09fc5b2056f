#include "core/recent_ids.h"

#include <gtest/gtest.h>

#include <string>

namespace {

std::string id_of(int i) {
    return "01J" + std::to_string(i);
}

TEST(RecentIds, KnowsWhatItHolds) {
    ev::RecentIds ids(4);
    EXPECT_FALSE(ids.contains("a"));
    EXPECT_TRUE(ids.insert("a"));
    EXPECT_TRUE(ids.contains("a"));
    EXPECT_FALSE(ids.insert("a"));
    EXPECT_FALSE(ids.contains("b"));
    EXPECT_EQ(ids.size(), 1u);
}

TEST(RecentIds, EmptyIdsAreNeverKept) {
    ev::RecentIds ids(4);
    EXPECT_FALSE(ids.insert(""));
    EXPECT_FALSE(ids.contains(""));
    EXPECT_EQ(ids.size(), 0u);
}

TEST(RecentIds, TheOldestLeavesWhenFull) {
    ev::RecentIds ids(3);
    for (int i = 0; i < 3; ++i) {
        EXPECT_TRUE(ids.insert(id_of(i)));
    }
    EXPECT_TRUE(ids.insert(id_of(3)));
    EXPECT_EQ(ids.size(), 3u);
    EXPECT_FALSE(ids.contains(id_of(0)));
    for (int i = 1; i <= 3; ++i) {
        EXPECT_TRUE(ids.contains(id_of(i))) << i;
    }
    // A repeat does not refresh its place: 1 is still the oldest.
    EXPECT_FALSE(ids.insert(id_of(1)));
    EXPECT_TRUE(ids.insert(id_of(4)));
    EXPECT_FALSE(ids.contains(id_of(1)));
    EXPECT_TRUE(ids.contains(id_of(2)));
}

TEST(RecentIds, ASlidingWindowOverManyIdsHoldsExactlyTheLastN) {
    // Many evictions exercise the table's deletions (probe runs, wrap-around).
    constexpr int k_window = 1000;
    ev::RecentIds ids(k_window);
    for (int i = 0; i < 50000; ++i) {
        ASSERT_TRUE(ids.insert(id_of(i))) << i;
        if (i % 997 == 0) {
            for (int j = std::max(0, i - k_window + 1); j <= i; ++j) {
                ASSERT_TRUE(ids.contains(id_of(j))) << i << " " << j;
            }
            for (int j = std::max(0, i - 3 * k_window); j <= i - k_window; ++j) {
                ASSERT_FALSE(ids.contains(id_of(j))) << i << " " << j;
            }
        }
    }
    EXPECT_EQ(ids.size(), static_cast<std::size_t>(k_window));
}

TEST(RecentIds, CapacityZeroKeepsNothing) {
    ev::RecentIds ids(0);
    EXPECT_FALSE(ids.insert("a"));
    EXPECT_FALSE(ids.contains("a"));
    std::string text;
    ids.encode(text);
    EXPECT_EQ(text, "");
}

TEST(RecentIds, EncodeAndDecodeKeepTheWindowAndItsOrder) {
    ev::RecentIds ids(3);
    for (int i = 0; i < 5; ++i) {
        ids.insert(id_of(i));
    }
    std::string text;
    ids.encode(text);
    EXPECT_EQ(text.size(), 3u * 16);
    ev::RecentIds back(3);
    ASSERT_TRUE(back.decode(text).ok());
    EXPECT_EQ(back.size(), 3u);
    EXPECT_FALSE(back.contains(id_of(1)));
    EXPECT_TRUE(back.contains(id_of(2)));
    // The order survived: 2 is the oldest and leaves first.
    back.insert(id_of(9));
    EXPECT_FALSE(back.contains(id_of(2)));
    EXPECT_TRUE(back.contains(id_of(3)));
    // A smaller window keeps the newest.
    ev::RecentIds small(2);
    ASSERT_TRUE(small.decode(text).ok());
    EXPECT_FALSE(small.contains(id_of(2)));
    EXPECT_TRUE(small.contains(id_of(3)));
    EXPECT_TRUE(small.contains(id_of(4)));
}

TEST(RecentIds, DecodeRefusesMalformedText) {
    ev::RecentIds ids(3);
    EXPECT_FALSE(ids.decode("abc").ok());
    EXPECT_FALSE(ids.decode("000000000000000g").ok());
    EXPECT_FALSE(ids.decode("0000000000000000").ok());
    EXPECT_FALSE(ids.decode("000000000000000A").ok());
    EXPECT_TRUE(ids.decode("").ok());
    EXPECT_EQ(ids.size(), 0u);
}

}  // namespace
