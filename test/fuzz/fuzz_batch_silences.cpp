// Fuzzes the silences file parser of evbatch (lib/batch/silences.cpp): any
// bytes parse or fail with a message naming the line, and what parses
// writes back to lines that parse to the same silences.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "batch/silences.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    std::string_view text(reinterpret_cast<const char*>(data), size);
    auto silences = ev::batch::parse_silences(text, "fuzz");
    if (!silences) {
        if (silences.error().rfind("fuzz:", 0) != 0) {
            std::abort();  // every error names the file and line
        }
        return 0;
    }
    std::string written;
    for (const ev::batch::Silence& s : *silences) {
        written += ev::batch::silence_line(s);
        written += '\n';
    }
    auto again = ev::batch::parse_silences(written, "written");
    if (!again || again->size() != silences->size()) {
        std::abort();
    }
    std::string rewritten;
    for (const ev::batch::Silence& s : *again) {
        rewritten += ev::batch::silence_line(s);
        rewritten += '\n';
    }
    if (rewritten != written) {
        std::abort();  // times are kept to the millisecond: one more round changes nothing
    }
    ev::ManualClock clock;
    ev::batch::SilenceSet set(clock);
    if (!set.replace_file(*silences)) {
        std::abort();  // what parsed compiles
    }
    simdjson::dom::parser parser;
    simdjson::padded_string event(std::string_view(R"({"subject":"web1","name":"ping","tags":{"dc":"ams"}})"));
    for (const ev::batch::Silence& s : *silences) {
        (void)set.silenced(parser.parse(event).value(), s.starts);
    }
    return 0;
}
