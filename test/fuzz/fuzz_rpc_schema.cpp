// Fuzzes evrpc's action schemas and input validation (lib/rpc/schema.cpp):
// the input is a schema file, then a line "---", then an inputs object.
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "core/json.h"
#include "rpc/schema.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    std::string_view input(reinterpret_cast<const char*>(data), size);
    std::size_t cut = input.find("\n---\n");
    std::string_view schema_text = input.substr(0, cut);
    std::string_view inputs_text = cut == std::string_view::npos ? "{}" : input.substr(cut + 5);
    auto schema = ev::rpc::parse_schema(schema_text, "fuzz", "action");
    if (!schema) {
        if (schema.error().empty()) {
            std::abort();
        }
        return 0;
    }
    (void)ev::rpc::schema_to_json(*schema);
    auto inputs = ev::parse_json(inputs_text);
    if (!inputs) {
        return 0;
    }
    auto valid = ev::rpc::validate_inputs(*schema, *inputs);
    if (valid) {
        // What passed holds every rule the schema states.
        for (const auto& [name, value] : inputs->members()) {
            for (const ev::rpc::InputSpec& spec : schema->inputs) {
                if (spec.name != name || !value.is_string()) {
                    continue;
                }
                const std::string& s = value.as_string();
                if (s.size() > spec.max_length || (!spec.allow_dash && !s.empty() && s[0] == '-')) {
                    std::abort();
                }
            }
        }
    } else if (valid.error().empty()) {
        std::abort();
    }
    for (const ev::rpc::InputSpec& spec : schema->inputs) {
        (void)ev::rpc::input_value(spec, inputs_text.substr(0, 64));
    }
    return 0;
}
