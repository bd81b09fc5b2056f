// Tests for lib/snmptrap/event.cpp: the event a trap becomes.
#include <gtest/gtest.h>

#include "core/clock.h"
#include "snmptrap/event.h"
#include "snmptrap/names.h"

namespace ev::snmptrap {
namespace {

Trap link_down(std::string_view index_oid) {
    Trap trap;
    trap.version = "2c";
    trap.pdu = "trap";
    trap.community = "public";
    trap.request_id = 9;
    trap.uptime = 5;
    trap.trap_oid = std::string(oids::k_link_down);
    trap.peer = "10.0.0.9";
    trap.varbinds.push_back({std::string(oids::k_sys_uptime_0), "timeticks", Json(5), false});
    trap.varbinds.push_back({std::string(oids::k_snmp_trap_oid_0), "oid", Json(oids::k_link_down), false});
    trap.varbinds.push_back({std::string(index_oid), "integer", Json(3), false});
    return trap;
}

TEST(SnmptrapEvent, LinkDownIsTheCriticalStatusOfThePort) {
    ManualClock clock(1700000000);
    IdGenerator ids(clock, 1);
    std::string line;
    append_event(link_down("1.3.6.1.2.1.2.2.1.1.3"), "sw1", RuleSet(builtin_rules()), 1700000000.5, ids, line);
    EXPECT_EQ(
        line.substr(line.find(",\"time\"")),
        ",\"time\":1700000000.5,\"type\":\"status\",\"subject\":\"sw1\",\"name\":\"IF-MIB::ifOperStatus.3\","
        "\"state\":\"critical\",\"severity\":2,\"message\":\"IF-MIB::linkDown from sw1: IF-MIB::ifIndex.3=3\","
        "\"source\":\"evsrc-snmptrap\",\"data\":{\"community\":\"public\",\"pdu\":\"trap\",\"peer\":\"10.0.0.9\","
        "\"request_id\":9,\"trap_name\":\"IF-MIB::linkDown\",\"trap_oid\":\"1.3.6.1.6.3.1.1.5.3\",\"uptime\":5,"
        "\"varbinds\":[{\"name\":\"SNMPv2-MIB::sysUpTime.0\",\"oid\":\"1.3.6.1.2.1.1.3.0\",\"type\":\"timeticks\","
        "\"value\":5},{\"name\":\"SNMPv2-MIB::snmpTrapOID.0\",\"oid\":\"1.3.6.1.6.3.1.1.4.1.0\",\"type\":\"oid\","
        "\"value\":\"1.3.6.1.6.3.1.1.5.3\"},{\"name\":\"IF-MIB::ifIndex.3\",\"oid\":\"1.3.6.1.2.1.2.2.1.1.3\","
        "\"type\":\"integer\",\"value\":3}],\"version\":\"2c\"}}");
}

TEST(SnmptrapEvent, WithoutItsIndexATrapIsArchived) {
    ManualClock clock(1);
    IdGenerator ids(clock, 1);
    std::string line;
    // ifIndex itself, without an instance: no identity to put the status on.
    append_event(link_down("1.3.6.1.2.1.2.2.1.1"), "sw1", RuleSet(builtin_rules()), 1, ids, line);
    EXPECT_NE(line.find("\"type\":\"archive\",\"subject\":\"sw1\",\"name\":\"IF-MIB::linkDown\",\"message\""),
              std::string::npos)
        << line;
    EXPECT_EQ(line.find("\"state\""), std::string::npos);
}

}  // namespace
}  // namespace ev::snmptrap
