#include "rpc/schema.h"

#include <re2/re2.h>

#include <cerrno>
#include <cmath>
#include <cstdlib>
#include <set>

#include <fmt/format.h>

#include "core/duration.h"
#include "core/escape.h"

namespace ev::rpc {

namespace {

std::string_view type_name(InputSpec::Type t) {
    switch (t) {
        case InputSpec::Type::string:
            return "string";
        case InputSpec::Type::integer:
            return "integer";
        case InputSpec::Type::number:
            return "number";
        case InputSpec::Type::boolean:
            return "boolean";
    }
    return "string";
}

Result<std::string> string_member(const Json& value, std::string_view where) {
    if (!value.is_string()) {
        return make_error(fmt::format("{} is not a string", where));
    }
    return value.as_string();
}

Result<int64_t> integer_member(const Json& value, std::string_view where) {
    if (value.kind() != Json::Kind::integer) {
        return make_error(fmt::format("{} is not an integer", where));
    }
    return value.as_integer();
}

Result<InputSpec> parse_input(const std::string& name, const Json& def) {
    InputSpec spec;
    spec.name = name;
    std::string where = "inputs." + name;
    if (!def.is_object()) {
        return make_error(fmt::format("{} is not an object", where));
    }
    for (const auto& [key, value] : def.members()) {
        std::string at = where + "." + key;
        if (key == "type") {
            auto t = string_member(value, at);
            if (!t) {
                return std::move(t).take_error();
            }
            if (*t == "string") {
                spec.type = InputSpec::Type::string;
            } else if (*t == "integer") {
                spec.type = InputSpec::Type::integer;
            } else if (*t == "number") {
                spec.type = InputSpec::Type::number;
            } else if (*t == "boolean") {
                spec.type = InputSpec::Type::boolean;
            } else {
                return make_error(fmt::format("{} is not string, integer, number or boolean", at));
            }
        } else if (key == "required" || key == "allow_dash") {
            if (value.kind() != Json::Kind::boolean) {
                return make_error(fmt::format("{} is not true or false", at));
            }
            (key == "required" ? spec.required : spec.allow_dash) = value.as_bool();
        } else if (key == "description") {
            auto d = string_member(value, at);
            if (!d) {
                return std::move(d).take_error();
            }
            spec.description = *d;
        } else if (key == "regex") {
            auto r = string_member(value, at);
            if (!r) {
                return std::move(r).take_error();
            }
            RE2 re(*r, RE2::Quiet);
            if (!re.ok()) {
                return make_error(fmt::format("{}: {}", at, re.error()));
            }
            spec.regex = *r;
        } else if (key == "max_length") {
            auto n = integer_member(value, at);
            if (!n) {
                return std::move(n).take_error();
            }
            if (*n < 0) {
                return make_error(fmt::format("{} is negative", at));
            }
            spec.max_length = static_cast<std::size_t>(*n);
        } else if (key == "enum") {
            if (!value.is_array()) {
                return make_error(fmt::format("{} is not an array of strings", at));
            }
            for (const Json& item : value.items()) {
                if (!item.is_string()) {
                    return make_error(fmt::format("{} is not an array of strings", at));
                }
                spec.choices.push_back(item.as_string());
            }
        } else if (key == "min" || key == "max") {
            auto n = integer_member(value, at);
            if (!n) {
                return std::move(n).take_error();
            }
            (key == "min" ? spec.min : spec.max) = *n;
        } else {
            return make_error(fmt::format("{}: unknown key", at));
        }
    }
    return spec;
}

Result<OutputSpec> parse_output(const std::string& name, const Json& def) {
    OutputSpec spec;
    spec.name = name;
    std::string where = "outputs." + name;
    if (!def.is_object()) {
        return make_error(fmt::format("{} is not an object", where));
    }
    for (const auto& [key, value] : def.members()) {
        std::string at = where + "." + key;
        auto text = string_member(value, at);
        if (!text) {
            return std::move(text).take_error();
        }
        if (key == "description") {
            spec.description = *text;
        } else if (key == "aggregate") {
            if (*text == "summary") {
                spec.aggregate = OutputSpec::Aggregate::summary;
            } else if (*text == "average") {
                spec.aggregate = OutputSpec::Aggregate::average;
            } else if (*text == "sum") {
                spec.aggregate = OutputSpec::Aggregate::sum;
            } else if (*text == "none") {
                spec.aggregate = OutputSpec::Aggregate::none;
            } else {
                return make_error(fmt::format("{} is not summary, average, sum or none", at));
            }
        } else {
            return make_error(fmt::format("{}: unknown key", at));
        }
    }
    return spec;
}

}  // namespace

std::string_view aggregate_name(OutputSpec::Aggregate aggregate) {
    switch (aggregate) {
        case OutputSpec::Aggregate::summary:
            return "summary";
        case OutputSpec::Aggregate::average:
            return "average";
        case OutputSpec::Aggregate::sum:
            return "sum";
        case OutputSpec::Aggregate::none:
            return "none";
    }
    return "none";
}

Result<ActionSchema> parse_schema(std::string_view text, std::string_view agent, std::string_view action) {
    auto root = parse_json(text);
    if (!root) {
        return make_error(fmt::format("not JSON: {}", root.error()));
    }
    if (!root->is_object()) {
        return make_error("not a JSON object");
    }
    ActionSchema schema;
    schema.agent = agent;
    schema.action = action;
    std::set<std::string> names;
    for (const auto& [key, value] : root->members()) {
        if (!names.insert(key).second) {
            return make_error(fmt::format("duplicate key \"{}\"", escape_prefix(key)));
        }
        if (key == "description") {
            auto d = string_member(value, key);
            if (!d) {
                return std::move(d).take_error();
            }
            schema.description = *d;
        } else if (key == "command") {
            if (value.is_string()) {
                schema.command.push_back(value.as_string());
            } else if (value.is_array() && !value.items().empty()) {
                for (const Json& item : value.items()) {
                    if (!item.is_string()) {
                        return make_error("command is not a string or an array of strings");
                    }
                    schema.command.push_back(item.as_string());
                }
            } else {
                return make_error("command is not a string or an array of strings");
            }
            if (schema.command[0].empty()) {
                return make_error("command is empty");
            }
        } else if (key == "timeout") {
            if (value.is_number()) {
                schema.timeout = value.as_number();
            } else if (value.is_string()) {
                auto d = parse_duration(value.as_string());
                if (!d) {
                    return make_error(fmt::format("timeout: {}", d.error()));
                }
                schema.timeout = *d;
            } else {
                return make_error("timeout is not a duration");
            }
            if (!(schema.timeout > 0) || !std::isfinite(schema.timeout)) {
                return make_error("timeout is not above zero");
            }
        } else if (key == "inputs" || key == "outputs") {
            if (!value.is_object()) {
                return make_error(fmt::format("{} is not an object", key));
            }
            std::set<std::string> seen;
            for (const auto& [name, def] : value.members()) {
                if (!seen.insert(name).second) {
                    return make_error(fmt::format("{}: duplicate \"{}\"", key, escape_prefix(name)));
                }
                if (key == "inputs") {
                    auto spec = parse_input(name, def);
                    if (!spec) {
                        return std::move(spec).take_error();
                    }
                    schema.inputs.push_back(std::move(*spec));
                } else {
                    auto spec = parse_output(name, def);
                    if (!spec) {
                        return std::move(spec).take_error();
                    }
                    schema.outputs.push_back(std::move(*spec));
                }
            }
        } else {
            return make_error(fmt::format("unknown key \"{}\"", escape_prefix(key)));
        }
    }
    return schema;
}

Result<void> validate_inputs(const ActionSchema& schema, const Json& inputs) {
    if (!inputs.is_object()) {
        return make_error("inputs is not an object");
    }
    for (const auto& member : inputs.members()) {
        // Named, not a structured binding: clang 14 cannot capture those in
        // the lambda below (the fuzz targets build with clang).
        const std::string& name = member.first;
        const Json& value = member.second;
        const InputSpec* spec = nullptr;
        for (const InputSpec& s : schema.inputs) {
            if (s.name == name) {
                spec = &s;
            }
        }
        if (spec == nullptr) {
            return make_error(
                fmt::format("input {}: not declared by {}.{}", escape_prefix(name), schema.agent, schema.action));
        }
        auto fail = [&](std::string_view rule) { return make_error(fmt::format("input {}: {}", name, rule)); };
        switch (spec->type) {
            case InputSpec::Type::boolean:
                if (value.kind() != Json::Kind::boolean) {
                    return fail("not true or false");
                }
                break;
            case InputSpec::Type::integer:
            case InputSpec::Type::number: {
                if (spec->type == InputSpec::Type::integer ? value.kind() != Json::Kind::integer : !value.is_number()) {
                    return fail(
                        fmt::format("not {}", spec->type == InputSpec::Type::integer ? "an integer" : "a number"));
                }
                double d = value.as_number();
                if (spec->min && d < static_cast<double>(*spec->min)) {
                    return fail(fmt::format("below the minimum {}", *spec->min));
                }
                if (spec->max && d > static_cast<double>(*spec->max)) {
                    return fail(fmt::format("above the maximum {}", *spec->max));
                }
                break;
            }
            case InputSpec::Type::string: {
                if (!value.is_string()) {
                    return fail("not a string");
                }
                const std::string& s = value.as_string();
                if (s.size() > spec->max_length) {
                    return fail(fmt::format("longer than {} bytes", spec->max_length));
                }
                if (!s.empty() && s[0] == '-' && !spec->allow_dash) {
                    return fail("begins with '-' (the schema does not allow it: allow_dash)");
                }
                if (!spec->choices.empty()) {
                    bool found = false;
                    for (const std::string& c : spec->choices) {
                        found = found || c == s;
                    }
                    if (!found) {
                        return fail("not one of the allowed values");
                    }
                }
                if (!spec->regex.empty()) {
                    RE2 re(spec->regex, RE2::Quiet);
                    if (!re.ok() || !RE2::FullMatch(s, re)) {
                        return fail(fmt::format("does not match {}", escape_prefix(spec->regex)));
                    }
                }
                break;
            }
        }
    }
    for (const InputSpec& s : schema.inputs) {
        if (s.required && inputs.find(s.name) == nullptr) {
            return make_error(fmt::format("input {}: required", s.name));
        }
    }
    return {};
}

Result<Json> input_value(const InputSpec& spec, std::string_view text) {
    switch (spec.type) {
        case InputSpec::Type::string:
            return Json(text);
        case InputSpec::Type::boolean:
            if (text == "true") {
                return Json(true);
            }
            if (text == "false") {
                return Json(false);
            }
            return make_error(fmt::format("input {}: not true or false", spec.name));
        case InputSpec::Type::integer:
        case InputSpec::Type::number: {
            std::string s(text);
            char* end = nullptr;
            if (spec.type == InputSpec::Type::integer) {
                errno = 0;
                long long v = std::strtoll(s.c_str(), &end, 10);
                if (s.empty() || *end != '\0' || errno != 0) {
                    return make_error(fmt::format("input {}: not an integer", spec.name));
                }
                return Json(static_cast<int64_t>(v));
            }
            double d = std::strtod(s.c_str(), &end);
            if (s.empty() || *end != '\0' || !std::isfinite(d)) {
                return make_error(fmt::format("input {}: not a number", spec.name));
            }
            return Json(d);
        }
    }
    return Json(text);
}

Json schema_to_json(const ActionSchema& schema) {
    Json out = Json::object();
    out.set("description", Json(schema.description));
    out.set("timeout", Json(schema.timeout));
    Json inputs = Json::object();
    for (const InputSpec& s : schema.inputs) {
        Json i = Json::object();
        i.set("type", Json(type_name(s.type)));
        i.set("required", Json(s.required));
        if (!s.description.empty()) {
            i.set("description", Json(s.description));
        }
        if (s.type == InputSpec::Type::string) {
            i.set("max_length", Json(static_cast<uint64_t>(s.max_length)));
            if (!s.regex.empty()) {
                i.set("regex", Json(s.regex));
            }
            if (!s.choices.empty()) {
                Json c = Json::array();
                for (const std::string& v : s.choices) {
                    c.push_back(Json(v));
                }
                i.set("enum", std::move(c));
            }
            if (s.allow_dash) {
                i.set("allow_dash", Json(true));
            }
        }
        if (s.min) {
            i.set("min", Json(*s.min));
        }
        if (s.max) {
            i.set("max", Json(*s.max));
        }
        inputs.set(s.name, std::move(i));
    }
    out.set("inputs", std::move(inputs));
    Json outputs = Json::object();
    for (const OutputSpec& s : schema.outputs) {
        Json o = Json::object();
        o.set("description", Json(s.description));
        o.set("aggregate", Json(aggregate_name(s.aggregate)));
        outputs.set(s.name, std::move(o));
    }
    out.set("outputs", std::move(outputs));
    return out;
}

}  // namespace ev::rpc
