// Fuzz target for the evroute rules parser: any bytes must parse or fail
// cleanly, and a parsed destination's spelling must parse back to the same key.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "route/rule.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    std::string_view text(reinterpret_cast<const char*>(data), size);
    auto rules = ev::route::parse_rules(text, "fuzz");
    if (rules) {
        for (const ev::route::Rule& rule : *rules) {
            for (const ev::route::DestSpec& spec : rule.destinations) {
                auto again = ev::route::parse_destination(spec.text());
                if (!again || again->key() != spec.key()) {
                    std::abort();
                }
            }
        }
    }
    (void)ev::route::parse_destination(text);
    return 0;
}
