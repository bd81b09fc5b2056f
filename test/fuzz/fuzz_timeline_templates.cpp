// Fuzzes evtimeline's templates file parser (lib/timeline/templates.cpp): the
// input is a templates file; every template it accepts renders a fixed event
// into one line with no control character.
#include <simdjson.h>

#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "timeline/templates.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    std::string_view input(reinterpret_cast<const char*>(data), size);
    auto templates = ev::timeline::Templates::parse(input, "fuzz");
    if (!templates) {
        if (templates.error().rfind("fuzz:", 0) != 0) {
            std::abort();  // every error names FILE:LINE
        }
        return 0;
    }
    static simdjson::dom::parser parser;
    simdjson::dom::element event;
    if (parser
            .parse(std::string_view(
                R"({"time":1,"type":"status","subject":"w\n\u001b","name":"load","state":"warning","data":{"x":[1]}})"))
            .get(event) != simdjson::SUCCESS) {
        std::abort();
    }
    std::string line;
    const ev::timeline::Template* used = nullptr;
    if (templates->render(event, line, used)) {
        for (char c : line) {
            if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) {
                std::abort();
            }
        }
    }
    return 0;
}
