#include "core/host_list.h"

#include <gtest/gtest.h>

using namespace ev;

TEST(HostList, SubjectsPerLine) {
    auto list = parse_host_list("web1\n  web2 \n\n# comment\nweb1\nweb3", "f");
    ASSERT_TRUE(list.ok()) << list.error();
    ASSERT_EQ(list->size(), 3u);
    EXPECT_EQ((*list)[0].subject, "web1");
    EXPECT_EQ((*list)[1].subject, "web2");
    EXPECT_EQ((*list)[2].subject, "web3");
    EXPECT_FALSE((*list)[0].name);
}

TEST(HostList, NdjsonEvents) {
    auto list = parse_host_list(
        R"({"subject":"web1","name":"load","state":"ok"}
{"subject":"web2"}
{"subject":"web1","name":"load"}
)",
        "f");
    ASSERT_TRUE(list.ok()) << list.error();
    ASSERT_EQ(list->size(), 2u);
    EXPECT_EQ((*list)[0].name, std::optional<std::string>("load"));
    EXPECT_FALSE((*list)[1].name);
}

TEST(HostList, BadLinesNameTheirLine) {
    auto list = parse_host_list("web1\n{\"name\":\"x\"}\n", "hosts");
    ASSERT_FALSE(list.ok());
    EXPECT_EQ(list.error(), "hosts:2: an event without a string subject");
    EXPECT_EQ(parse_host_list("{not json\n", "h").error(), "h:1: not a JSON object");
    EXPECT_EQ(parse_host_list("a\xff\n", "h").error(), "h:1: not valid UTF-8");
}
