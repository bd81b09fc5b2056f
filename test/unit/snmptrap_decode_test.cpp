// Tests for lib/snmptrap/decode.cpp: packets encoded by net-snmp itself,
// decoded into v2 form; informs answered with a Response.
#include <gtest/gtest.h>
#include <net-snmp/net-snmp-config.h>
#include <net-snmp/net-snmp-includes.h>

#include <cstring>

#include "snmptrap/decode.h"
#include "snmptrap/names.h"

namespace ev::snmptrap {
namespace {

// Encodes pdu (and frees it) the way an agent would.
std::string encode(netsnmp_pdu* pdu, const char* community) {
    init_library();
    snmp_session session;
    snmp_sess_init(&session);
    pdu->community = static_cast<u_char*>(malloc(strlen(community)));
    memcpy(pdu->community, community, strlen(community));
    pdu->community_len = strlen(community);
    size_t size = 2048;
    size_t length = 0;
    auto* buf = static_cast<u_char*>(malloc(size));
    std::string out;
    if (snmp_build(&buf, &size, &length, &session, pdu) == 0) {
        out.assign(reinterpret_cast<char*>(buf + size - length), length);
    }
    free(buf);
    snmp_free_pdu(pdu);
    return out;
}

netsnmp_pdu* v2_pdu(int command, long reqid, std::initializer_list<oid> trap) {
    netsnmp_pdu* pdu = snmp_pdu_create(command);
    pdu->version = SNMP_VERSION_2c;
    pdu->reqid = reqid;
    oid uptime[] = {1, 3, 6, 1, 2, 1, 1, 3, 0};
    oid trap_oid[] = {1, 3, 6, 1, 6, 3, 1, 1, 4, 1, 0};
    std::vector<oid> value(trap);
    long ticks = 4567;
    snmp_pdu_add_variable(pdu, uptime, OID_LENGTH(uptime), ASN_TIMETICKS, &ticks, sizeof ticks);
    snmp_pdu_add_variable(pdu, trap_oid, OID_LENGTH(trap_oid), ASN_OBJECT_ID, value.data(), value.size() * sizeof(oid));
    return pdu;
}

TEST(SnmptrapDecode, V2cTrapWithTypes) {
    netsnmp_pdu* pdu = v2_pdu(SNMP_MSG_TRAP2, 42, {1, 3, 6, 1, 6, 3, 1, 1, 5, 4});
    oid if_index[] = {1, 3, 6, 1, 2, 1, 2, 2, 1, 1, 3};
    long three = 3;
    snmp_pdu_add_variable(pdu, if_index, OID_LENGTH(if_index), ASN_INTEGER, &three, sizeof three);
    oid binary[] = {1, 3, 6, 1, 4, 1, 1, 1};
    snmp_pdu_add_variable(pdu, binary, OID_LENGTH(binary), ASN_OCTET_STR, "\x00\xff", 2);
    oid big[] = {1, 3, 6, 1, 4, 1, 1, 2};
    counter64 c64{0x1, 0x2};
    snmp_pdu_add_variable(pdu, big, OID_LENGTH(big), ASN_COUNTER64, &c64, sizeof c64);
    std::string packet = encode(pdu, "public");
    ASSERT_FALSE(packet.empty());
    Decoder decoder;
    Trap trap;
    std::string response, reason;
    ASSERT_EQ(decoder.decode(packet, trap, response, reason), Refusal::none) << reason;
    EXPECT_EQ(trap.version, "2c");
    EXPECT_EQ(trap.pdu, "trap");
    EXPECT_EQ(trap.community, "public");
    EXPECT_EQ(trap.request_id, 42);
    EXPECT_EQ(trap.uptime, 4567u);
    EXPECT_EQ(trap.trap_oid, "1.3.6.1.6.3.1.1.5.4");
    ASSERT_EQ(trap.varbinds.size(), 5u);
    EXPECT_EQ(trap.varbinds[2].oid, "1.3.6.1.2.1.2.2.1.1.3");
    EXPECT_EQ(trap.varbinds[2].value, Json(3));
    EXPECT_EQ(trap.varbinds[3].value, Json("00ff"));
    EXPECT_TRUE(trap.varbinds[3].hex);
    EXPECT_EQ(trap.varbinds[4].type, "counter64");
    EXPECT_EQ(trap.varbinds[4].value, Json(uint64_t{0x100000002}));
    EXPECT_TRUE(response.empty());
}

TEST(SnmptrapDecode, V1TrapMappedAsRfc3584Says) {
    netsnmp_pdu* pdu = snmp_pdu_create(SNMP_MSG_TRAP);
    pdu->version = SNMP_VERSION_1;
    oid enterprise[] = {1, 3, 6, 1, 4, 1, 8072, 2, 3};
    pdu->enterprise = static_cast<oid*>(malloc(sizeof enterprise));
    memcpy(pdu->enterprise, enterprise, sizeof enterprise);
    pdu->enterprise_length = OID_LENGTH(enterprise);
    pdu->trap_type = SNMP_TRAP_ENTERPRISESPECIFIC;
    pdu->specific_type = 17;
    pdu->time = 99;
    const unsigned char agent[4] = {10, 1, 2, 3};
    memcpy(pdu->agent_addr, agent, 4);
    std::string packet = encode(pdu, "ops");
    Decoder decoder;
    Trap trap;
    std::string response, reason;
    ASSERT_EQ(decoder.decode(packet, trap, response, reason), Refusal::none) << reason;
    EXPECT_EQ(trap.version, "1");
    EXPECT_EQ(trap.trap_oid, "1.3.6.1.4.1.8072.2.3.0.17");
    EXPECT_EQ(trap.uptime, 99u);
    EXPECT_FALSE(trap.request_id.has_value());
    ASSERT_EQ(trap.varbinds.size(), 5u);
    EXPECT_EQ(trap.varbinds[0].oid, oids::k_sys_uptime_0);
    EXPECT_EQ(trap.varbinds[1].value, Json("1.3.6.1.4.1.8072.2.3.0.17"));
    EXPECT_EQ(trap.varbinds[2].oid, oids::k_snmp_trap_address_0);
    EXPECT_EQ(trap.varbinds[2].value, Json("10.1.2.3"));
    EXPECT_EQ(trap.varbinds[3].value, Json("ops"));
    EXPECT_EQ(trap.varbinds[4].value, Json("1.3.6.1.4.1.8072.2.3"));
    trap.peer = "127.0.0.1";
    EXPECT_EQ(trap.agent(), "10.1.2.3");
}

TEST(SnmptrapDecode, InformGetsAResponseWithItsRequestId) {
    std::string packet = encode(v2_pdu(SNMP_MSG_INFORM, 314159, {1, 3, 6, 1, 6, 3, 1, 1, 5, 1}), "private");
    Decoder decoder;
    Trap trap;
    std::string response, reason;
    ASSERT_EQ(decoder.decode(packet, trap, response, reason), Refusal::none) << reason;
    EXPECT_EQ(trap.pdu, "inform");
    ASSERT_FALSE(response.empty());
    Trap answer;
    std::string none;
    EXPECT_EQ(decoder.decode(response, answer, none, reason), Refusal::not_a_trap);
    EXPECT_EQ(reason, "not a notification (RESPONSE)");
    // The Response carries the request id and community back.
    netsnmp_pdu* parsed = snmp_pdu_create(0);
    snmp_session session;
    snmp_sess_init(&session);
    ASSERT_EQ(snmp_parse(nullptr, &session, parsed, reinterpret_cast<u_char*>(response.data()), response.size()), 0);
    EXPECT_EQ(parsed->command, SNMP_MSG_RESPONSE);
    EXPECT_EQ(parsed->reqid, 314159);
    EXPECT_EQ(std::string(reinterpret_cast<char*>(parsed->community), parsed->community_len), "private");
    snmp_free_pdu(parsed);
}

TEST(SnmptrapDecode, Refusals) {
    Decoder decoder;
    Trap trap;
    std::string response, reason;
    EXPECT_EQ(decoder.decode("hello", trap, response, reason), Refusal::malformed);
    EXPECT_EQ(reason, "not an SNMP message");
    EXPECT_EQ(decoder.decode(std::string_view("\x30\x03\x02\x01\x03", 5), trap, response, reason),
              Refusal::unsupported);
    EXPECT_EQ(reason, "SNMPv3 is not supported");
    EXPECT_EQ(decoder.decode(std::string_view("\x30\x03\x02\x01\x07", 5), trap, response, reason),
              Refusal::unsupported);
    EXPECT_EQ(reason, "unknown SNMP version 7");
    netsnmp_pdu* no_trap_oid = snmp_pdu_create(SNMP_MSG_TRAP2);
    no_trap_oid->version = SNMP_VERSION_2c;
    EXPECT_EQ(decoder.decode(encode(no_trap_oid, "public"), trap, response, reason), Refusal::malformed);
    EXPECT_EQ(reason, "no snmpTrapOID.0 varbind");
}

}  // namespace
}  // namespace ev::snmptrap
