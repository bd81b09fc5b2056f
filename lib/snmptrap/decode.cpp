#include "snmptrap/decode.h"

#include <net-snmp/net-snmp-config.h>
#include <net-snmp/net-snmp-includes.h>

#include <arpa/inet.h>
#include <fmt/format.h>

#include <charconv>
#include <cstring>
#include <memory>

#include "snmptrap/names.h"

namespace ev::snmptrap {

namespace {

struct PduFree {
    void operator()(netsnmp_pdu* pdu) const { snmp_free_pdu(pdu); }
};
using PduPtr = std::unique_ptr<netsnmp_pdu, PduFree>;

std::string dotted(const oid* parts, std::size_t count) {
    std::string out;
    out.reserve(count * 4);
    char digits[24];
    for (std::size_t i = 0; i < count; ++i) {
        if (i > 0) {
            out += '.';
        }
        auto [end, ec] = std::to_chars(digits, digits + sizeof digits, static_cast<unsigned long>(parts[i]));
        out.append(digits, end);
    }
    return out;
}

std::string address_text(const u_char* bytes) {
    return fmt::format("{}.{}.{}.{}", bytes[0], bytes[1], bytes[2], bytes[3]);
}

void set_bytes(Varbind& v, std::string_view bytes) {
    v.value = bytes_value(bytes, v.hex);
}

void set_hex(Varbind& v, std::string_view bytes) {
    bool hex = false;
    std::string text = bytes_value(bytes, hex);
    if (!hex) {
        // Forced to hex: opaque and bit strings are bytes, not text.
        static constexpr char k_digits[] = "0123456789abcdef";
        text.clear();
        for (unsigned char c : bytes) {
            text += k_digits[c >> 4];
            text += k_digits[c & 15];
        }
    }
    v.value = std::move(text);
    v.hex = true;
}

Varbind convert(const netsnmp_variable_list* var) {
    Varbind v;
    v.oid = dotted(var->name, var->name_length);
    std::string_view bytes(reinterpret_cast<const char*>(var->val.string), var->val_len);
    switch (var->type) {
        case ASN_INTEGER:
            v.type = "integer";
            v.value = static_cast<int64_t>(*var->val.integer);
            break;
        case ASN_OCTET_STR:
            v.type = "string";
            set_bytes(v, bytes);
            break;
        case ASN_OBJECT_ID:
            v.type = "oid";
            v.value = dotted(var->val.objid, var->val_len / sizeof(oid));
            break;
        case ASN_IPADDRESS:
            v.type = "ipaddress";
            if (var->val_len == 4) {
                v.value = address_text(var->val.string);
            } else {
                set_hex(v, bytes);
            }
            break;
        case ASN_COUNTER:
            v.type = "counter32";
            v.value = static_cast<uint64_t>(static_cast<uint32_t>(*var->val.integer));
            break;
        case ASN_GAUGE:
            v.type = "gauge32";
            v.value = static_cast<uint64_t>(static_cast<uint32_t>(*var->val.integer));
            break;
        case ASN_TIMETICKS:
            v.type = "timeticks";
            v.value = static_cast<uint64_t>(static_cast<uint32_t>(*var->val.integer));
            break;
        case ASN_COUNTER64:
            v.type = "counter64";
            v.value = (static_cast<uint64_t>(var->val.counter64->high) << 32) | var->val.counter64->low;
            break;
        case ASN_OPAQUE:
            v.type = "opaque";
            set_hex(v, bytes);
            break;
        case ASN_BIT_STR:
            v.type = "bits";
            set_hex(v, bytes);
            break;
        case ASN_NULL:
            v.type = "null";
            break;
        case SNMP_NOSUCHOBJECT:
            v.type = "nosuchobject";
            break;
        case SNMP_NOSUCHINSTANCE:
            v.type = "nosuchinstance";
            break;
        case SNMP_ENDOFMIBVIEW:
            v.type = "endofmibview";
            break;
        default:
            v.type = fmt::format("0x{:02x}", static_cast<unsigned>(var->type));
            set_hex(v, bytes);
            break;
    }
    return v;
}

// The version of a message, read with net-snmp's BER functions (the outer
// SEQUENCE, then its first INTEGER); -1 when the packet is not one.
long message_version(std::string_view packet) {
    u_char* data = reinterpret_cast<u_char*>(const_cast<char*>(packet.data()));
    size_t length = packet.size();
    u_char type = 0;
    data = asn_parse_header(data, &length, &type);
    if (data == nullptr || type != (ASN_SEQUENCE | ASN_CONSTRUCTOR)) {
        return -1;
    }
    long version = -1;
    if (asn_parse_int(data, &length, &type, &version, sizeof(version)) == nullptr) {
        return -1;
    }
    return version;
}

Varbind make_varbind(std::string_view oid_text, std::string type, Json value, bool hex = false) {
    Varbind v;
    v.oid = std::string(oid_text);
    v.type = std::move(type);
    v.value = std::move(value);
    v.hex = hex;
    return v;
}

// RFC 3584 section 3.1: an SNMPv1 trap in SNMPv2 form.
void map_v1(const netsnmp_pdu* pdu, Trap& trap) {
    std::string enterprise = dotted(pdu->enterprise, pdu->enterprise_length);
    if (pdu->trap_type >= 0 && pdu->trap_type <= 5) {
        trap.trap_oid = fmt::format("{}.{}", oids::k_snmp_traps, pdu->trap_type + 1);
    } else {
        trap.trap_oid = fmt::format("{}.0.{}", enterprise, pdu->specific_type);
    }
    trap.uptime = static_cast<uint64_t>(static_cast<uint32_t>(pdu->time));
    trap.varbinds.push_back(make_varbind(oids::k_sys_uptime_0, "timeticks", *trap.uptime));
    trap.varbinds.push_back(make_varbind(oids::k_snmp_trap_oid_0, "oid", trap.trap_oid));
    for (const netsnmp_variable_list* var = pdu->variables; var != nullptr; var = var->next_variable) {
        trap.varbinds.push_back(convert(var));
    }
    if (trap.find(oids::k_snmp_trap_address_0) == nullptr) {
        trap.varbinds.push_back(make_varbind(oids::k_snmp_trap_address_0, "ipaddress",
                                             address_text(reinterpret_cast<const u_char*>(pdu->agent_addr))));
    }
    if (trap.find(oids::k_snmp_trap_community_0) == nullptr) {
        bool hex = false;
        std::string text =
            bytes_value(std::string_view(reinterpret_cast<const char*>(pdu->community), pdu->community_len), hex);
        trap.varbinds.push_back(make_varbind(oids::k_snmp_trap_community_0, "string", std::move(text), hex));
    }
    trap.varbinds.push_back(make_varbind(oids::k_snmp_trap_enterprise_0, "oid", enterprise));
}

}  // namespace

Decoder::Decoder() : m_session(new snmp_session) {
    init_library();
    snmp_sess_init(m_session);
}

Decoder::~Decoder() {
    delete m_session;
}

Refusal Decoder::decode(std::string_view packet, Trap& trap, std::string& response, std::string& reason) {
    response.clear();
    long version = message_version(packet);
    if (version == SNMP_VERSION_3) {
        reason = "SNMPv3 is not supported";
        return Refusal::unsupported;
    }
    if (version != SNMP_VERSION_1 && version != SNMP_VERSION_2c) {
        reason = version < 0 ? "not an SNMP message" : fmt::format("unknown SNMP version {}", version);
        return version < 0 ? Refusal::malformed : Refusal::unsupported;
    }
    PduPtr pdu(snmp_pdu_create(0));
    // net-snmp parses in place but does not write: the cast only fits its signature.
    u_char* data = reinterpret_cast<u_char*>(const_cast<char*>(packet.data()));
    m_session->version = SNMP_DEFAULT_VERSION;
    if (snmp_parse(nullptr, m_session, pdu.get(), data, packet.size()) != 0) {
        reason = fmt::format("not an SNMP message ({})", snmp_api_errstring(m_session->s_snmp_errno));
        return Refusal::malformed;
    }
    trap.version = pdu->version == SNMP_VERSION_1 ? "1" : "2c";
    bool hex = false;
    trap.community =
        bytes_value(std::string_view(reinterpret_cast<const char*>(pdu->community), pdu->community_len), hex);
    trap.community_hex = hex;
    trap.request_id.reset();
    trap.uptime.reset();
    trap.trap_oid.clear();
    trap.varbinds.clear();
    if (pdu->command == SNMP_MSG_TRAP) {
        trap.pdu = "trap";
        map_v1(pdu.get(), trap);
        return Refusal::none;
    }
    if (pdu->command != SNMP_MSG_TRAP2 && pdu->command != SNMP_MSG_INFORM) {
        reason = fmt::format("not a notification ({})", snmp_pdu_type(pdu->command));
        return Refusal::not_a_trap;
    }
    trap.pdu = pdu->command == SNMP_MSG_INFORM ? "inform" : "trap";
    trap.request_id = static_cast<int64_t>(pdu->reqid);
    for (const netsnmp_variable_list* var = pdu->variables; var != nullptr; var = var->next_variable) {
        trap.varbinds.push_back(convert(var));
    }
    const Varbind* trap_oid = trap.find(oids::k_snmp_trap_oid_0);
    if (trap_oid == nullptr || trap_oid->type != "oid") {
        reason = "no snmpTrapOID.0 varbind";
        return Refusal::malformed;
    }
    trap.trap_oid = trap_oid->value.as_string();
    if (const Varbind* up = trap.find(oids::k_sys_uptime_0); up != nullptr && up->type == "timeticks") {
        trap.uptime = static_cast<uint64_t>(up->value.as_integer());
    }
    if (pdu->command == SNMP_MSG_INFORM) {
        // The Response carries the inform's request id, community and varbinds (RFC 3416 4.2.7).
        pdu->command = SNMP_MSG_RESPONSE;
        pdu->errstat = 0;
        pdu->errindex = 0;
        pdu->flags &= ~UCD_MSG_FLAG_EXPECT_RESPONSE;
        pdu->flags &= ~(UCD_MSG_FLAG_FORWARD_ENCODE | UCD_MSG_FLAG_BULK_TOOBIG);
        // Reverse encoding (init_library turns it on): net-snmp grows the
        // buffer as needed and fills it from its end.
        size_t out_size = packet.size() + 64;
        size_t out_length = 0;
        auto* out = static_cast<u_char*>(malloc(out_size));
        if (out != nullptr && snmp_build(&out, &out_size, &out_length, m_session, pdu.get()) == 0 &&
            out_length <= out_size) {
            response.assign(reinterpret_cast<const char*>(out + out_size - out_length), out_length);
        }
        free(out);
        if (response.empty()) {
            reason = "could not build the inform's Response";
            return Refusal::malformed;
        }
    }
    return Refusal::none;
}

}  // namespace ev::snmptrap
