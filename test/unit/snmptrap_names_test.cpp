// Tests for lib/snmptrap/names.cpp: the built-in OID name table.
#include <gtest/gtest.h>

#include "snmptrap/names.h"

namespace ev::snmptrap {
namespace {

TEST(SnmptrapNames, LongestPrefixThenInstance) {
    EXPECT_EQ(oid_name("1.3.6.1.2.1.2.2.1.1.3"), "IF-MIB::ifIndex.3");
    EXPECT_EQ(oid_name("1.3.6.1.2.1.2.2.1.8.12"), "IF-MIB::ifOperStatus.12");
    EXPECT_EQ(oid_name("1.3.6.1.6.3.1.1.5.3"), "IF-MIB::linkDown");
    EXPECT_EQ(oid_name("1.3.6.1.2.1.1.3.0"), "SNMPv2-MIB::sysUpTime.0");
    EXPECT_EQ(oid_name("1.3.6.1.6.3.18.1.3.0"), "SNMP-COMMUNITY-MIB::snmpTrapAddress.0");
    EXPECT_EQ(oid_name("1.3.6.1.2.1.31.1.1.1.18.7"), "IF-MIB::ifAlias.7");
    // ifIndex is 1.3.6.1.2.1.2.2.1.1: .10 is another column, not below it.
    EXPECT_EQ(oid_name("1.3.6.1.2.1.2.2.1.10.3"), "1.3.6.1.2.1.2.2.1.10.3");
    EXPECT_EQ(oid_name("1.3.6.1.4.1.8072.2.3.0.1"), "1.3.6.1.4.1.8072.2.3.0.1");
}

TEST(SnmptrapNames, NamesBackToOids) {
    EXPECT_EQ(oid_of("IF-MIB::linkUp"), "1.3.6.1.6.3.1.1.5.4");
    EXPECT_EQ(oid_of("IF-MIB::ifIndex.3"), "1.3.6.1.2.1.2.2.1.1.3");
    EXPECT_EQ(oid_of(".1.3.6.1.4.1"), "1.3.6.1.4.1");
    EXPECT_EQ(oid_of("IF-MIB::ifIndexes"), std::nullopt);
    EXPECT_EQ(oid_of("IF-MIB::ifIndex.x"), std::nullopt);
    EXPECT_EQ(oid_of("1.3."), std::nullopt);
    EXPECT_EQ(oid_of(""), std::nullopt);
}

TEST(SnmptrapNames, DottedOidsAndSubtrees) {
    EXPECT_TRUE(is_dotted_oid("1.3.6.1"));
    EXPECT_TRUE(is_dotted_oid("0"));
    EXPECT_FALSE(is_dotted_oid(".1.3"));
    EXPECT_FALSE(is_dotted_oid("1..3"));
    EXPECT_FALSE(is_dotted_oid("1.3.12345678901"));  // above 32 bits
    EXPECT_TRUE(oid_under("1.3.6.1", "1.3.6"));
    EXPECT_TRUE(oid_under("1.3.6", "1.3.6"));
    EXPECT_FALSE(oid_under("1.3.61", "1.3.6"));
    EXPECT_EQ(builtin_type("1.3.6.1.2.1.2.2.1.8.3"), "integer");
    EXPECT_EQ(builtin_type("1.3.6.1.2.1.2.2.1.8"), "");  // the column, not an instance
}

}  // namespace
}  // namespace ev::snmptrap
