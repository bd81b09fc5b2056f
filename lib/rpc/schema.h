// Schema: what an action declares (its inputs with their types and limits,
// its outputs with their aggregation, its command and timeout) and the
// validation of a request's inputs against it. The agent validates every
// request; the client validates and types key=value arguments with the
// same code. The file format is in docs/rpc.md, "Actions".
#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/json.h"
#include "core/result.h"

namespace ev::rpc {

/// The longest string input accepted when a schema gives no max_length.
constexpr std::size_t k_default_max_length = 1024;

/// One declared input.
struct InputSpec {
    enum class Type { string, integer, number, boolean };
    std::string name;
    Type type = Type::string;
    bool required = false;
    std::string description;
    std::string regex;                              ///< strings: must match whole (RE2); empty: any
    std::size_t max_length = k_default_max_length;  ///< strings: bytes at most
    std::vector<std::string> choices;               ///< strings: "enum", the only values allowed; empty: any
    std::optional<int64_t> min;                     ///< integers and numbers: lowest allowed
    std::optional<int64_t> max;                     ///< integers and numbers: highest allowed
    bool allow_dash = false;                        ///< strings: may begin with '-' (refused by default)
};

/// One declared output and how a client collates it over many replies.
struct OutputSpec {
    enum class Aggregate { none, summary, average, sum };
    std::string name;
    std::string description;
    Aggregate aggregate = Aggregate::none;
};

/// One action as its schema file declares it.
struct ActionSchema {
    std::string agent;   ///< "service"
    std::string action;  ///< "restart"
    std::string description;
    std::vector<std::string> command;  ///< argv; [0] relative to the schema's directory unless absolute
    double timeout = 60;               ///< seconds before the action is stopped
    std::vector<InputSpec> inputs;
    std::vector<OutputSpec> outputs;
};

/// Parses a schema file's text for agent.action; errors name what is wrong.
Result<ActionSchema> parse_schema(std::string_view text, std::string_view agent, std::string_view action);

/// Checks inputs (an object) against schema: every name declared, every
/// required one present, each value of its type and within its limits.
/// The error names the input and the rule it breaks; the value is never
/// quoted unescaped.
Result<void> validate_inputs(const ActionSchema& schema, const Json& inputs);

/// The typed value of a key=value argument's text for spec (integers,
/// numbers, true/false), not yet validated.
Result<Json> input_value(const InputSpec& spec, std::string_view text);

/// The schema as JSON, as rpcutil.inventory reports it.
Json schema_to_json(const ActionSchema& schema);

/// "summary", "average", "sum" or "none".
std::string_view aggregate_name(OutputSpec::Aggregate aggregate);

}  // namespace ev::rpc
