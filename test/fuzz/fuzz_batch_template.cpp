// Fuzzes the {field} placeholder parser of evbatch each (lib/batch/template.cpp):
// the first line is a template, the rest an event to render it against.
#include <simdjson.h>

#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "batch/template.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    std::string_view input(reinterpret_cast<const char*>(data), size);
    auto nl = input.find('\n');
    std::string_view text = input.substr(0, nl);
    std::string event = nl == std::string_view::npos ? "{}" : std::string(input.substr(nl + 1));
    auto parsed = ev::batch::ArgTemplate::parse(text);
    if (!parsed) {
        if (parsed.error().empty()) {
            std::abort();  // every error says what is wrong
        }
        return 0;
    }
    // A template without placeholders renders to itself with doubled braces undone.
    std::string literal;
    if (!parsed->has_fields()) {
        for (std::size_t i = 0; i < text.size(); ++i) {
            literal += text[i];
            if ((text[i] == '{' || text[i] == '}') && i + 1 < text.size() && text[i + 1] == text[i]) {
                ++i;
            }
        }
    }
    simdjson::dom::parser parser;
    simdjson::dom::element root;
    if (parser.parse(event).get(root) != simdjson::SUCCESS || !root.is_object()) {
        if (parser.parse(std::string("{}")).get(root) != simdjson::SUCCESS) {
            return 0;
        }
    }
    std::string out;
    auto rendered = parsed->render(root, out);
    if (!parsed->has_fields() && (!rendered || out != literal)) {
        std::abort();
    }
    if (rendered && out.find('\0') != std::string::npos && text.find('\0') == std::string_view::npos) {
        std::abort();  // a NUL byte may never reach an argv element from an event
    }
    (void)ev::batch::shell_quote({std::string(text), out});
    return 0;
}
