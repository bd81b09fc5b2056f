// Fuzz target for evsrc-snmptrap's rules files: any bytes parse or fail
// cleanly, and every parsed rule matches its own trap OID.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "snmptrap/rules.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    std::string_view text(reinterpret_cast<const char*>(data), size);
    auto rules = ev::snmptrap::parse_rules(text, "fuzz");
    if (rules) {
        ev::snmptrap::RuleSet set(*rules);
        for (const ev::snmptrap::Rule& rule : *rules) {
            if (set.match(rule.trap_oid) == nullptr) {
                std::abort();
            }
        }
    }
    return 0;
}
