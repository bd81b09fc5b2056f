#include "rpc/message.h"

#include <cmath>
#include <set>

#include <fmt/format.h>
#include <simdjson.h>

#include "core/escape.h"

namespace ev::rpc {

namespace {

bool is_name_char(char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' || c == '.' ||
           c == ':' || c == '-';
}

bool is_plain_name(std::string_view s) {
    if (s.empty() || s.size() > k_max_name) {
        return false;
    }
    for (char c : s) {
        if (!is_name_char(c)) {
            return false;
        }
    }
    return true;
}

void add_key(std::string& out, std::string_view key) {
    out += out.size() > 1 ? ",\"" : "\"";
    out += key;
    out += "\":";
}

void add_string(std::string& out, std::string_view key, std::string_view value) {
    add_key(out, key);
    json_escape_to(value, out);
}

void add_number(std::string& out, std::string_view key, double value) {
    add_key(out, key);
    write_number(value, out);
}

// A member's value is not an event: every object in it has its keys in byte
// order (write_canonical would put event keys such as id and subject first).
void add_json(std::string& out, std::string_view key, const Json& value) {
    add_key(out, key);
    write_canonical_nested(value, out);
}

// The members of a body's top-level object, each key once.
class Fields {
public:
    Result<void> load(std::string_view body, std::string_view type) {
        m_padded = simdjson::padded_string(body);
        simdjson::dom::element root;
        if (m_parser.parse(m_padded).get(root) != simdjson::SUCCESS) {
            return make_error("body is not JSON");
        }
        if (root.get_object().get(m_object) != simdjson::SUCCESS) {
            return make_error("body is not a JSON object");
        }
        std::set<std::string_view> seen;
        for (auto field : m_object) {
            if (!seen.insert(field.key).second) {
                return make_error(fmt::format("duplicate key \"{}\"", escape_prefix(field.key)));
            }
        }
        std::string_view t;
        if (m_object["type"].get_string().get(t) != simdjson::SUCCESS || t != type) {
            return make_error(fmt::format("type is not \"{}\"", type));
        }
        return {};
    }

    bool has(std::string_view key) { return m_object[key].error() == simdjson::SUCCESS; }

    Result<std::string> name(std::string_view key) {
        std::string_view s;
        if (m_object[key].get_string().get(s) != simdjson::SUCCESS) {
            return make_error(fmt::format("{} is missing or not a string", key));
        }
        if (!is_plain_name(s)) {
            return make_error(fmt::format("{} is not a name ([A-Za-z0-9_.:-], 1 to {} bytes): {}", key, k_max_name,
                                          escape_prefix(s)));
        }
        return std::string(s);
    }

    Result<std::string> text(std::string_view key) {
        std::string_view s;
        if (m_object[key].get_string().get(s) != simdjson::SUCCESS) {
            return make_error(fmt::format("{} is missing or not a string", key));
        }
        return std::string(s);
    }

    Result<double> number(std::string_view key) {
        double d = 0;
        if (m_object[key].get_double().get(d) != simdjson::SUCCESS || !std::isfinite(d)) {
            // get_double refuses integers above 2^53 only; integers are fine.
            int64_t i = 0;
            if (m_object[key].get_int64().get(i) != simdjson::SUCCESS) {
                return make_error(fmt::format("{} is missing or not a number", key));
            }
            d = static_cast<double>(i);
        }
        return d;
    }

    Result<int64_t> integer(std::string_view key) {
        int64_t i = 0;
        if (m_object[key].get_int64().get(i) != simdjson::SUCCESS) {
            return make_error(fmt::format("{} is missing or not an integer", key));
        }
        return i;
    }

    // An object member, with each of its keys once.
    Result<Json> object(std::string_view key) {
        simdjson::dom::object o;
        if (m_object[key].get_object().get(o) != simdjson::SUCCESS) {
            return make_error(fmt::format("{} is missing or not an object", key));
        }
        std::set<std::string_view> seen;
        for (auto field : o) {
            if (!seen.insert(field.key).second) {
                return make_error(fmt::format("duplicate key \"{}\" in {}", escape_prefix(field.key), key));
            }
        }
        return to_json(m_object[key].value_unsafe());
    }

    simdjson::dom::element element(std::string_view key) { return m_object[key].value_unsafe(); }

private:
    simdjson::padded_string m_padded;
    simdjson::dom::parser m_parser;
    simdjson::dom::object m_object;
};

template <class T>
bool take(Result<T>& r, T& into, std::string& error) {
    if (!r) {
        error = r.error();
        return false;
    }
    into = std::move(*r);
    return true;
}

}  // namespace

bool is_topic_name(std::string_view name) {
    if (name.empty() || name.size() > 249 || name == "." || name == "..") {
        return false;
    }
    for (char c : name) {
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' || c == '_' ||
              c == '-')) {
            return false;
        }
    }
    return true;
}

bool is_action_name(std::string_view name) {
    if (name.empty() || name.size() > 64 || !(name[0] >= 'a' && name[0] <= 'z')) {
        return false;
    }
    for (char c : name) {
        if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_')) {
            return false;
        }
    }
    return true;
}

std::string request_body(const Request& r) {
    std::string out = "{";
    add_string(out, "type", "rpc.request");
    add_string(out, "id", r.id);
    add_number(out, "time", r.time);
    add_number(out, "ttl", r.ttl);
    add_string(out, "caller", r.caller);
    add_string(out, "agent", r.agent);
    add_string(out, "action", r.action);
    add_json(out, "inputs", r.inputs);
    add_json(out, "filter", filter_to_json(r.filter));
    if (r.direct) {
        Json targets = Json::array();
        for (const std::string& t : r.targets) {
            targets.push_back(Json(t));
        }
        add_json(out, "targets", targets);
    }
    add_string(out, "reply_to", r.reply_to);
    out += '}';
    return out;
}

std::string reply_body(const Reply& r) {
    std::string out = "{";
    add_string(out, "type", "rpc.reply");
    add_string(out, "request", r.request);
    add_string(out, "agent_id", r.agent_id);
    add_string(out, "host", r.host);
    add_string(out, "agent", r.agent);
    add_string(out, "action", r.action);
    add_string(out, "status", r.status);
    add_key(out, "code");
    out += std::to_string(r.code);
    add_string(out, "message", r.message);
    add_json(out, "data", r.data);
    add_number(out, "time", r.time);
    add_key(out, "elapsed_ms");
    out += std::to_string(r.elapsed_ms);
    out += '}';
    return out;
}

Result<Request> parse_request(std::string_view body) {
    Fields f;
    if (auto loaded = f.load(body, "rpc.request"); !loaded) {
        return std::move(loaded).take_error();
    }
    Request r;
    std::string error;
    auto id = f.name("id");
    auto time = f.number("time");
    auto ttl = f.number("ttl");
    auto caller = f.name("caller");
    auto agent = f.name("agent");
    auto action = f.name("action");
    auto inputs = f.object("inputs");
    auto reply_to = f.name("reply_to");
    if (!take(id, r.id, error) || !take(time, r.time, error) || !take(ttl, r.ttl, error) ||
        !take(caller, r.caller, error) || !take(agent, r.agent, error) || !take(action, r.action, error) ||
        !take(inputs, r.inputs, error) || !take(reply_to, r.reply_to, error)) {
        return make_error(error);
    }
    if (!(r.ttl > 0)) {
        return make_error("ttl is not above zero");
    }
    if (!is_action_name(r.agent) || !is_action_name(r.action)) {
        return make_error("agent and action must be [a-z][a-z0-9_]*");
    }
    if (!is_topic_name(r.reply_to)) {
        return make_error("reply_to is not a topic name");
    }
    if (f.has("filter")) {
        auto filter = filter_from_json(f.element("filter"));
        if (!filter) {
            return std::move(filter).take_error();
        }
        r.filter = std::move(*filter);
    }
    if (f.has("targets")) {
        simdjson::dom::array array;
        if (f.element("targets").get_array().get(array) != simdjson::SUCCESS) {
            return make_error("targets is not an array");
        }
        r.direct = true;
        for (simdjson::dom::element item : array) {
            std::string_view s;
            if (item.get_string().get(s) != simdjson::SUCCESS || s.size() > k_max_name) {
                return make_error("targets holds a value that is not a name");
            }
            r.targets.emplace_back(s);
        }
    }
    return r;
}

Result<Reply> parse_reply(std::string_view body) {
    Fields f;
    if (auto loaded = f.load(body, "rpc.reply"); !loaded) {
        return std::move(loaded).take_error();
    }
    Reply r;
    std::string error;
    auto request = f.name("request");
    auto agent_id = f.name("agent_id");
    auto host = f.name("host");
    auto agent = f.name("agent");
    auto action = f.name("action");
    auto status = f.name("status");
    auto code = f.integer("code");
    auto message = f.text("message");
    auto data = f.object("data");
    auto time = f.number("time");
    auto elapsed = f.integer("elapsed_ms");
    if (!take(request, r.request, error) || !take(agent_id, r.agent_id, error) || !take(host, r.host, error) ||
        !take(agent, r.agent, error) || !take(action, r.action, error) || !take(status, r.status, error) ||
        !take(code, r.code, error) || !take(message, r.message, error) || !take(data, r.data, error) ||
        !take(time, r.time, error) || !take(elapsed, r.elapsed_ms, error)) {
        return make_error(error);
    }
    if (r.status != "ok" && r.status != "failed" && r.status != "refused") {
        return make_error("status is not ok, failed or refused");
    }
    return r;
}

}  // namespace ev::rpc
