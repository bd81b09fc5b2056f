// Fuzzes the --inhibit-rules file parser of evbatch (lib/batch/inhibit.cpp):
// any bytes parse or fail with a message naming the line, and every rule
// that parses compiles and can be applied to events.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "batch/inhibit.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    std::string_view text(reinterpret_cast<const char*>(data), size);
    auto rules = ev::batch::parse_inhibit_rules(text, "fuzz");
    if (!rules) {
        if (rules.error().rfind("fuzz:", 0) != 0) {
            std::abort();
        }
        return 0;
    }
    ev::ManualClock clock;
    auto inhibitor = ev::batch::Inhibitor::compile(*rules, clock);
    if (!inhibitor) {
        std::abort();  // what parsed compiles
    }
    simdjson::dom::parser parser;
    simdjson::padded_string source(std::string_view(R"({"subject":"sw1","name":"ping","tags":{"kind":"switch"}})"));
    simdjson::padded_string target(std::string_view(R"({"subject":"h1","name":"ping","tags":{"kind":"host"}})"));
    inhibitor->update("sw1", "ping", parser.parse(source).value(), ev::State::critical);
    (void)inhibitor->inhibited(parser.parse(target).value());
    inhibitor->update("sw1", "ping", parser.parse(source).value(), ev::State::ok);
    if (inhibitor->inhibited(parser.parse(target).value())) {
        std::abort();  // no source fires any more
    }
    return 0;
}
