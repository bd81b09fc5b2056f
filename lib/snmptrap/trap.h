// Trap: one notification in SNMPv2 form (RFC 3584 for SNMPv1 traps),
// whichever way it arrived (a UDP packet, snmptrapd's traphandle input).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/json.h"

namespace ev::snmptrap {

/// One variable binding, its value already in JSON terms.
struct Varbind {
    std::string oid;   ///< dotted, without a leading dot
    std::string type;  ///< integer, string, oid, ipaddress, counter32, gauge32, timeticks, counter64, opaque, ...
    Json value;        ///< number, text, dotted OID or address; hex text when hex is set; null for null types
    bool hex = false;  ///< value holds the bytes as lower-case hex (not valid UTF-8, opaque, bits)
};

/// A decoded notification.
struct Trap {
    std::string version;                   ///< "1", "2c"; empty when unknown (traphandle input)
    std::string pdu;                       ///< "trap" (v1 or v2) or "inform"; empty when unknown
    std::optional<std::string> community;  ///< as sent; valid UTF-8 or hex (community_hex)
    bool community_hex = false;
    std::optional<int64_t> request_id;  ///< v2c traps and informs
    std::optional<uint64_t> uptime;     ///< sysUpTime.0 in hundredths of a second
    std::string trap_oid;               ///< snmpTrapOID.0, dotted
    std::string peer;                   ///< the packet's source address (no port)
    uint16_t peer_port = 0;
    std::vector<Varbind> varbinds;  ///< every varbind in v2 form, sysUpTime.0 and snmpTrapOID.0 first

    /// The agent: snmpTrapAddress.0 when present and not 0.0.0.0 (a v1
    /// agent-addr, or a proxy's note of the original sender), else the peer.
    std::string agent() const;
    /// The varbind with exactly this OID, or nullptr.
    const Varbind* find(std::string_view oid) const;
};

/// Text of bytes for a JSON value: themselves when valid UTF-8 (hex false),
/// else lower-case hex (hex true).
std::string bytes_value(std::string_view bytes, bool& hex);

}  // namespace ev::snmptrap
