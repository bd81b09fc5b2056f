// Fuzz target for --stdin-snmptrapd: any text parses into a trap or fails
// cleanly, and a parsed trap makes a valid event.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "core/json.h"
#include "snmptrap/event.h"
#include "snmptrap/traphandle.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    static ev::snmptrap::RuleSet rules(ev::snmptrap::builtin_rules());
    static ev::ManualClock clock(1700000000);
    static ev::IdGenerator ids(clock, 14);
    std::string_view text(reinterpret_cast<const char*>(data), size);
    auto trap = ev::snmptrap::parse_traphandle(text);
    if (!trap) {
        return 0;
    }
    std::string line;
    ev::snmptrap::append_event(*trap, trap->agent(), rules, 1700000000, ids, line);
    if (!ev::parse_json(line)) {
        std::abort();
    }
    return 0;
}
