#include "graphite/destination.h"

#include <gtest/gtest.h>

namespace {

using ev::graphite::parse_destination;

TEST(GraphiteDestination, ParsesCarbonForms) {
    auto d = parse_destination("carbon1:2003");
    ASSERT_TRUE(d.ok()) << d.error();
    EXPECT_EQ(d->host, "carbon1");
    EXPECT_EQ(d->port, 2003);
    EXPECT_EQ(d->instance, "");
    EXPECT_EQ(d->to_string(), "carbon1:2003");
    EXPECT_EQ(d->spool_name(), "carbon1_2003");

    d = parse_destination("10.0.0.1:2104:b");
    ASSERT_TRUE(d.ok());
    EXPECT_EQ(d->instance, "b");
    EXPECT_EQ(d->to_string(), "10.0.0.1:2104:b");
    EXPECT_EQ(d->spool_name(), "10.0.0.1_2104_b");

    d = parse_destination("[::1]:2003:a");
    ASSERT_TRUE(d.ok()) << d.error();
    EXPECT_EQ(d->host, "::1");
    EXPECT_EQ(d->to_string(), "[::1]:2003:a");
    EXPECT_EQ(d->spool_name(), "--1_2003_a");
}

TEST(GraphiteDestination, RejectsBadForms) {
    EXPECT_EQ(parse_destination("carbon1").error(), "destination 'carbon1': expected HOST:PORT[:INSTANCE]");
    EXPECT_EQ(parse_destination("carbon1:x").error(), "destination 'carbon1:x': bad port 'x'");
    EXPECT_EQ(parse_destination("carbon1:0").error(), "destination 'carbon1:0': bad port '0'");
    EXPECT_EQ(parse_destination("carbon1:70000").error(), "destination 'carbon1:70000': bad port '70000'");
    EXPECT_EQ(parse_destination(":2003").error(), "destination ':2003': bad host name");
    EXPECT_EQ(parse_destination("h:2003:").error(), "destination 'h:2003:': empty instance name");
    EXPECT_EQ(parse_destination("h'x:2003").error(), "destination 'h'x:2003': bad host name");
    EXPECT_FALSE(parse_destination("h:2003:a'b").ok());
    EXPECT_FALSE(parse_destination("[::1:2003").ok());
}

}  // namespace
