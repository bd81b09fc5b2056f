// Tests for lib/snmptrap/traphandle.cpp: snmptrapd's traphandle input.
#include <gtest/gtest.h>

#include "snmptrap/traphandle.h"

namespace ev::snmptrap {
namespace {

TEST(SnmptrapTraphandle, V1TrapWithHexStrings) {
    auto trap = parse_traphandle(
        "sw1\nUDP: [10.0.0.5]:5000->[127.0.0.1]:162\n"
        ".1.3.6.1.2.1.1.3.0 1234\n.1.3.6.1.6.3.1.1.4.1.0 .1.3.6.1.6.3.1.1.5.3\n"
        ".1.3.6.1.2.1.2.2.1.1.3 3\n"
        ".1.3.6.1.2.1.2.2.1.2.3 \"61 62 63 64 65 66 67 68 69 6A 6B 6C 6D 6E 6F 70 \n71 \"\n"
        ".1.3.6.1.6.3.18.1.4.0 \"70 75 62 \"\n"
        ".1.3.6.1.4.1.1.1 \"00 FF \"\n");
    ASSERT_TRUE(trap.ok()) << trap.error();
    EXPECT_EQ(trap->peer, "10.0.0.5");
    EXPECT_EQ(trap->peer_port, 5000);
    EXPECT_EQ(trap->trap_oid, "1.3.6.1.6.3.1.1.5.3");
    EXPECT_EQ(trap->uptime, 1234u);
    EXPECT_EQ(trap->community, "pub");
    ASSERT_EQ(trap->varbinds.size(), 6u);
    EXPECT_EQ(trap->varbinds[0].type, "timeticks");
    EXPECT_EQ(trap->varbinds[2].type, "integer");  // ifIndex, from the built-in table
    EXPECT_EQ(trap->varbinds[3].value, Json("abcdefghijklmnopq"));
    EXPECT_EQ(trap->varbinds[5].value, Json("00ff"));
    EXPECT_TRUE(trap->varbinds[5].hex);
    EXPECT_TRUE(trap->version.empty());
    EXPECT_FALSE(trap->request_id.has_value());
}

TEST(SnmptrapTraphandle, ValueForms) {
    auto trap = parse_traphandle(
        "<UNKNOWN>\nUDP/IPv6: [::1]:60705\n"
        ".1.3.6.1.2.1.1.3.0 0:1:00:01.50\n.1.3.6.1.6.3.1.1.4.1.0 .1.3.6.1.6.3.1.1.5.2\n"
        ".1.3.6.1.4.1.1.1 \"say \\\"hi\\\" \\\\\"\n.1.3.6.1.4.1.1.2 up(1)\n.1.3.6.1.4.1.1.3 -5\n"
        ".1.3.6.1.4.1.1.4 10.1.2.3\n.1.3.6.1.4.1.1.5 77\n.1.3.6.1.4.1.1.6 \"\"\n");
    ASSERT_TRUE(trap.ok()) << trap.error();
    EXPECT_EQ(trap->peer, "::1");
    EXPECT_EQ(trap->uptime, 360150u);
    EXPECT_EQ(trap->varbinds[2].value, Json("say \"hi\" \\"));
    EXPECT_EQ(trap->varbinds[3].type, "integer");
    EXPECT_EQ(trap->varbinds[3].value, Json(1));
    EXPECT_EQ(trap->varbinds[4].type, "integer");
    EXPECT_EQ(trap->varbinds[5].type, "ipaddress");
    EXPECT_EQ(trap->varbinds[6].type, "number");
    EXPECT_EQ(trap->varbinds[7].value, Json(""));
}

TEST(SnmptrapTraphandle, Errors) {
    EXPECT_EQ(parse_traphandle("").error(), "no transport line");
    EXPECT_EQ(parse_traphandle("h\nnothing\n").error(), "transport line 'nothing': no [ADDRESS]");
    EXPECT_EQ(parse_traphandle("h\nUDP: [x]:1\n").error(), "transport line 'UDP: [x]:1': not an IP address");
    // The fuzzer's find: inet_pton stops at a NUL, the rest must not reach the event.
    EXPECT_FALSE(parse_traphandle(std::string_view("h\nUDP: [127.0.0.1\0\x83]:1\n", 23)).ok());
    EXPECT_EQ(parse_traphandle("h\nUDP: [1.2.3.4]:1\n.1.3.6.1.2.1.1.3.0 5\n").error(), "no snmpTrapOID.0 varbind");
    EXPECT_EQ(parse_traphandle("h\nUDP: [1.2.3.4]:1\nloneword\n").error(),
              "varbind line 'loneword': expected OID VALUE");
    EXPECT_EQ(parse_traphandle("h\nUDP: [1.2.3.4]:1\nFOO::bar 1\n").error(),
              "'FOO::bar': not a numeric OID or a known name (run snmptrapd with -On)");
    EXPECT_EQ(parse_traphandle("h\nUDP: [1.2.3.4]:1\n.1.3.6 \"open\n").error(), "1.3.6: unterminated string");
    EXPECT_EQ(parse_traphandle("h\nUDP: [1.2.3.4]:1\n.1.3.6 \"a\" b\n").error(), "1.3.6: text after the closing quote");
}

}  // namespace
}  // namespace ev::snmptrap
