// libFuzzer target: compiles the input as an expression and, when it compiles,
// evaluates it against a few fixed events in every output form, with and
// without `item` bound (evfilter --each).
#include <simdjson.h>

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "core/clock.h"
#include "expr/expr.h"

namespace {

const char* const k_events[] = {
    R"({"id":"e1","time":1700000000,"type":"status","subject":"web1.example.com","name":"http","state":"critical","severity":2,"metric":0.25,"message":"connect timeout","tags":{"role":"web","dc":"ams","odd key":"x","pat":"^w"},"ttl":300,"data":{"changes":[{"from":"ok","to":"critical"}],"list":[1,2,3],"n":null}})",
    R"({})",
    R"({"subject":null,"severity":"2","tags":[],"data":[[],{},"",0,-1e308,18446744073709551615]})",
    R"({"subject":"\u00e9\u0000x","metric":-0.0,"tags":{"pat":"("}})",
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    static simdjson::dom::parser parser;
    static const ev::ManualClock clock(1700000000);
    std::string_view source(reinterpret_cast<const char*>(data), size);
    auto program = ev::expr::Program::compile(source, clock);
    if (!program) {
        // Errors must always carry the three-line caret layout.
        if (program.error().find('\n') == std::string::npos) {
            __builtin_trap();
        }
        return 0;
    }
    std::string out;
    for (const char* text : k_events) {
        simdjson::dom::element event;
        if (parser.parse(std::string_view(text)).get(event) != simdjson::SUCCESS) {
            __builtin_trap();
        }
        // Once unbound, once with item bound to each member of the event (evfilter --each).
        std::vector<simdjson::dom::element> items = {event};
        simdjson::dom::object members = event.get_object().value_unsafe();
        for (auto member : members) {
            items.push_back(member.value);
        }
        for (std::size_t i = 0; i < items.size(); ++i) {
            program->bind_item(i == 0 ? nullptr : &items[i]);
            bool truthy = program->test(event);
            out.clear();
            if (!program->eval_json(event, out)) {
                // A type error: nothing written, test() false, one message line.
                auto error = program->error();
                if (!out.empty() || truthy || !error || !error->starts_with("type error at offset ") ||
                    error->find('\n') != std::string_view::npos) {
                    __builtin_trap();
                }
                continue;
            }
            // The encoding must be valid JSON and agree with test().
            simdjson::dom::parser check;
            simdjson::dom::element reparsed;
            if (check.parse(out).get(reparsed) != simdjson::SUCCESS) {
                __builtin_trap();
            }
            if (truthy != (out != "false" && out != "null")) {
                __builtin_trap();
            }
            std::string raw;
            if (!program->eval_raw(event, raw) || (!reparsed.is_string() && raw != out)) {
                __builtin_trap();
            }
            ev::Json value = program->eval(event);
            (void)value;
        }
        program->bind_item(nullptr);
    }
    return 0;
}
