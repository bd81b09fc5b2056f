// Fuzz target for evsrc-snmptrap's decoding path: any datagram must decode
// or be refused cleanly; a decoded trap must make a valid event, and an
// inform's Response must decode back as a Response with the same request id.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "core/json.h"
#include "snmptrap/decode.h"
#include "snmptrap/event.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    static ev::snmptrap::Decoder decoder;
    static ev::snmptrap::RuleSet rules(ev::snmptrap::builtin_rules());
    static ev::ManualClock clock(1700000000);
    static ev::IdGenerator ids(clock, 14);
    std::string_view packet(reinterpret_cast<const char*>(data), size);
    ev::snmptrap::Trap trap;
    std::string response;
    std::string reason;
    if (decoder.decode(packet, trap, response, reason) != ev::snmptrap::Refusal::none) {
        if (reason.empty()) {
            std::abort();
        }
        return 0;
    }
    trap.peer = "127.0.0.1";
    std::string line;
    ev::snmptrap::append_event(trap, trap.agent(), rules, 1700000000, ids, line);
    if (!ev::parse_json(line)) {
        std::abort();
    }
    if (trap.pdu == "inform") {
        // A Response is not a notification: refused, and never with an empty reason.
        ev::snmptrap::Trap again;
        std::string none;
        if (decoder.decode(response, again, none, reason) != ev::snmptrap::Refusal::not_a_trap) {
            std::abort();
        }
    }
    return 0;
}
