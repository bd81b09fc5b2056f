// Decoding SNMP packets with net-snmp's library: SNMPv1 traps, SNMPv2c traps
// and informs into Trap (v1 mapped to v2 form as RFC 3584 section 3.1 says),
// and the Response PDU an inform must be answered with.
#pragma once

#include <string>
#include <string_view>

#include "core/result.h"
#include "snmptrap/trap.h"

struct snmp_session;

namespace ev::snmptrap {

/// Why a packet was not turned into a Trap.
enum class Refusal {
    none,
    malformed,    ///< not a BER-encoded SNMP message net-snmp accepts
    unsupported,  ///< SNMPv3 or another version this receiver does not take
    not_a_trap,   ///< a well-formed PDU that is not a notification (a GET, a response...)
};

/// Decodes packets; holds the net-snmp session the parser and builder need.
/// init_library() must have run. Not thread-safe (net-snmp is not).
class Decoder {
public:
    Decoder();
    ~Decoder();
    Decoder(const Decoder&) = delete;
    Decoder& operator=(const Decoder&) = delete;

    /// Decodes one packet into trap (peer fields untouched). For an inform,
    /// response receives the encoded Response PDU to send back; otherwise it
    /// is left empty. On refusal, reason says why in a few words.
    Refusal decode(std::string_view packet, Trap& trap, std::string& response, std::string& reason);

private:
    snmp_session* m_session;
};

}  // namespace ev::snmptrap
