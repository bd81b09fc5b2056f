#include "rpc/config.h"

#include <gtest/gtest.h>

#include "rpc/facts.h"

namespace ev::rpc {
namespace {

TEST(AgentConfig, KeysAndRelativePaths) {
    auto c = parse_agent_config(
        "# agent\nstate_dir = state\nauthorized_keys = /etc/evrpc/keys\npolicy = policy\nmax_ttl = 10m\n"
        "skew = 5s\nconcurrency = 2\nkafka.fetch.wait.max.ms = 20\nrequest_topic = req\n",
        "/etc/evrpc/agent.conf");
    ASSERT_TRUE(c) << c.error();
    EXPECT_EQ(c->state_dir, "/etc/evrpc/state");
    EXPECT_EQ(c->authorized_keys, "/etc/evrpc/keys");
    EXPECT_EQ(c->policy, "/etc/evrpc/policy");
    EXPECT_EQ(c->max_ttl, 600);
    EXPECT_EQ(c->skew, 5);
    EXPECT_EQ(c->concurrency, 2u);
    EXPECT_EQ(c->request_topic, "req");
    EXPECT_EQ(c->kafka, (std::vector<std::string>{"fetch.wait.max.ms=20"}));
}

// nagios.run's check list is configured as evsrc-nagios's --resource and
// --plugin-dir; the agent-only nagios_user1 is gone.
TEST(AgentConfig, NagiosKeysAreEvsrcNagiosOptions) {
    auto c = parse_agent_config(
        "state_dir = s\nauthorized_keys = k\npolicy = p\nnagios_config = checks.conf\n"
        "nagios_resource = resource.cfg\nnagios_plugin_dir = /usr/lib/nagios/plugins\n",
        "/etc/evrpc/agent.conf");
    ASSERT_TRUE(c) << c.error();
    EXPECT_EQ(c->nagios_config, "/etc/evrpc/checks.conf");
    EXPECT_EQ(c->nagios_resource, "/etc/evrpc/resource.cfg");
    EXPECT_EQ(c->nagios_plugin_dir, "/usr/lib/nagios/plugins");
    EXPECT_EQ(parse_agent_config("nagios_user1 = /x\n", "a.conf").error(), "a.conf:1: unknown key nagios_user1");
}

TEST(AgentConfig, ErrorsNameTheLine) {
    EXPECT_EQ(parse_agent_config("state_dir = s\nnope\n", "a.conf").error(), "a.conf:2: expected KEY = VALUE");
    EXPECT_EQ(parse_agent_config("concurrency = 0\n", "a.conf").error(),
              "a.conf:1: concurrency: expected a whole number from 1 to 1000000");
    EXPECT_EQ(parse_agent_config("request_topic = a/b\n", "a.conf").error(),
              "a.conf:1: request_topic: not a topic name: a/b");
    EXPECT_EQ(parse_agent_config("state_dir = s\n", "a.conf").error(),
              "a.conf: authorized_keys and policy are required (default deny)");
}

TEST(Facts, KeyValueLinesOrJson) {
    auto kv = parse_facts("# facts\nrole = web\ndc=ams1\n", "f");
    ASSERT_TRUE(kv) << kv.error();
    EXPECT_EQ(*kv->find("role"), Json("web"));
    EXPECT_EQ(*kv->find("dc"), Json("ams1"));
    auto json = parse_facts("\n{\"role\":\"db\",\"disks\":4}\n", "f");
    ASSERT_TRUE(json) << json.error();
    EXPECT_EQ(*json->find("disks"), Json(4));
    EXPECT_EQ(parse_facts("role\n", "f").error(), "f:1: expected key=value, got role");
}

TEST(Facts, ClassesOnePerLineWithoutDuplicates) {
    EXPECT_EQ(parse_classes("web\n  base \n\nweb\nnginx\n"), (std::vector<std::string>{"web", "base", "nginx"}));
}

TEST(Facts, BuiltinsDescribeThisHost) {
    Json f = builtin_facts("h.example");
    EXPECT_EQ(*f.find("fqdn"), Json("h.example"));
    EXPECT_TRUE(f.find("cpus")->is_number());
    EXPECT_TRUE(f.find("kernel")->is_string());
}

}  // namespace
}  // namespace ev::rpc
