#include "rpc/batch.h"

#include <gtest/gtest.h>

using namespace ev::rpc;

namespace {

std::vector<Target> hosts(int n) {
    std::vector<Target> out;
    for (int i = 0; i < n; ++i) {
        out.push_back({"h" + std::to_string(i), ""});
    }
    return out;
}

}  // namespace

TEST(RpcBatch, Limits) {
    EXPECT_EQ(parse_limit("3")->of(10), 3u);
    EXPECT_EQ(parse_limit("30")->of(10), 10u);
    EXPECT_EQ(parse_limit("50%")->of(3), 2u);  // rounded up
    EXPECT_EQ(parse_limit("1%")->of(3), 1u);
    EXPECT_EQ(parse_limit("100%")->of(7), 7u);
    for (const char* bad : {"0", "-1", "1.5", "0%", "101%", "x", "", "%"}) {
        EXPECT_FALSE(parse_limit(bad).ok()) << bad;
    }
}

TEST(RpcBatch, PlanKeepsOrderAndSizes) {
    auto plan = plan_batches(hosts(5), std::nullopt, 2);
    ASSERT_EQ(plan.size(), 3u);
    EXPECT_EQ(plan[0].size(), 2u);
    EXPECT_EQ(plan[2].size(), 1u);
    EXPECT_EQ(plan[1][0].host, "h2");
    EXPECT_EQ(plan_batches(hosts(5), std::nullopt, 0).size(), 1u);
    EXPECT_TRUE(plan_batches({}, std::nullopt, 0).empty());
    plan = plan_batches(hosts(5), *parse_limit("3"), 2);
    ASSERT_EQ(plan.size(), 2u);
    EXPECT_EQ(plan[1].size(), 1u);
    EXPECT_EQ(plan[1][0].host, "h2");
}
