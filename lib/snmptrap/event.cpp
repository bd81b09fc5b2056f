#include "snmptrap/event.h"

#include <fmt/format.h>

#include "core/escape.h"
#include "core/json.h"
#include "snmptrap/names.h"

namespace ev::snmptrap {

namespace {

// The instance suffix of the first varbind under column (".3" for
// ifIndex.3), or nothing when no varbind lies strictly below it.
std::optional<std::string_view> instance_of(const Trap& trap, std::string_view column) {
    for (const Varbind& v : trap.varbinds) {
        if (v.oid.size() > column.size() && oid_under(v.oid, column)) {
            return std::string_view(v.oid).substr(column.size());
        }
    }
    return std::nullopt;
}

// Standard varbinds every notification carries; the message leaves them out.
bool is_envelope(std::string_view oid) {
    return oid == oids::k_sys_uptime_0 || oid == oids::k_snmp_trap_oid_0 || oid == oids::k_snmp_trap_address_0 ||
           oid == oids::k_snmp_trap_community_0 || oid == oids::k_snmp_trap_enterprise_0;
}

// One human line: the trap's name and its own varbinds, escaped, at most ~200 bytes.
std::string message_of(const Trap& trap, std::string_view trap_name, std::string_view subject) {
    std::string text = fmt::format("{} from {}", escape_text(trap_name), escape_text(subject));
    std::string_view sep = ": ";
    for (const Varbind& v : trap.varbinds) {
        if (is_envelope(v.oid)) {
            continue;
        }
        if (text.size() > 200) {
            text += ", ...";
            break;
        }
        text += sep;
        sep = ", ";
        text += escape_text(oid_name(v.oid));
        text += '=';
        if (v.value.is_string()) {
            text += escape_prefix(v.value.as_string());
        } else if (!v.value.is_null()) {
            text += to_canonical(v.value);
        } else {
            text += v.type;
        }
    }
    return text;
}

}  // namespace

void append_data(const Trap& trap, std::string_view trap_name, std::string& out) {
    // Keys in byte order, as the canonical form wants them inside data.
    char sep = '{';
    auto key = [&](std::string_view k) {
        out += sep;
        sep = ',';
        json_escape_to(k, out);
        out += ':';
    };
    if (trap.community) {
        key("community");
        json_escape_to(*trap.community, out);
        if (trap.community_hex) {
            key("community_encoding");
            out += "\"hex\"";
        }
    }
    if (!trap.pdu.empty()) {
        key("pdu");
        json_escape_to(trap.pdu, out);
    }
    key("peer");
    json_escape_to(trap.peer, out);
    if (trap.request_id) {
        key("request_id");
        fmt::format_to(std::back_inserter(out), "{}", *trap.request_id);
    }
    key("trap_name");
    json_escape_to(trap_name, out);
    key("trap_oid");
    json_escape_to(trap.trap_oid, out);
    if (trap.uptime) {
        key("uptime");
        fmt::format_to(std::back_inserter(out), "{}", *trap.uptime);
    }
    key("varbinds");
    out += '[';
    bool first = true;
    for (const Varbind& v : trap.varbinds) {
        out += first ? "{" : ",{";
        first = false;
        if (v.hex) {
            out += "\"encoding\":\"hex\",";
        }
        out += "\"name\":";
        json_escape_to(oid_name(v.oid), out);
        out += ",\"oid\":";
        json_escape_to(v.oid, out);
        out += ",\"type\":";
        json_escape_to(v.type, out);
        out += ",\"value\":";
        write_canonical_nested(v.value, out);
        out += '}';
    }
    out += ']';
    if (!trap.version.empty()) {
        key("version");
        json_escape_to(trap.version, out);
    }
    out += '}';
}

Json trap_data(const Trap& trap) {
    std::string text;
    append_data(trap, oid_name(trap.trap_oid), text);
    auto data = parse_json(text);
    return data ? std::move(*data) : Json::object();
}

void append_event(const Trap& trap, const std::string& subject, const RuleSet& rules, double time, IdGenerator& ids,
                  std::string& out) {
    std::string trap_name = oid_name(trap.trap_oid);
    const Rule* rule = rules.match(trap.trap_oid);
    std::string name = rule != nullptr && !rule->name.empty() ? rule->name : trap_name;
    bool status = rule != nullptr && rule->state.has_value();
    if (rule != nullptr && !rule->index_oid.empty()) {
        auto instance = instance_of(trap, rule->index_oid);
        if (instance) {
            name.append(*instance);
        } else {
            // Without its index the status would land on the wrong identity.
            status = false;
            name = trap_name;
        }
    }
    // Written directly in the canonical form (docs/events.md: schema key
    // order at the top, byte order inside data), without building a Json
    // tree: this runs for every trap.
    out += "{\"id\":";
    json_escape_to(ids.next(), out);
    out += ",\"time\":";
    write_number(time, out);
    out += status ? ",\"type\":\"status\",\"subject\":" : ",\"type\":\"archive\",\"subject\":";
    json_escape_to(subject, out);
    out += ",\"name\":";
    json_escape_to(name, out);
    if (status) {
        out += ",\"state\":";
        json_escape_to(state_name(*rule->state), out);
        fmt::format_to(std::back_inserter(out), ",\"severity\":{}", severity_of(*rule->state));
    }
    out += ",\"message\":";
    json_escape_to(message_of(trap, trap_name, subject), out);
    if (status && rule->ttl) {
        out += ",\"ttl\":";
        write_number(*rule->ttl, out);
    }
    out += ",\"source\":\"evsrc-snmptrap\",\"data\":";
    append_data(trap, trap_name, out);
    out += '}';
}

}  // namespace ev::snmptrap
