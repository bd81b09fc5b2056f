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

Json trap_data(const Trap& trap) {
    Json data = Json::object();
    if (!trap.version.empty()) {
        data.set("version", trap.version);
    }
    if (!trap.pdu.empty()) {
        data.set("pdu", trap.pdu);
    }
    if (trap.community) {
        data.set("community", *trap.community);
        if (trap.community_hex) {
            data.set("community_encoding", "hex");
        }
    }
    data.set("trap_oid", trap.trap_oid);
    data.set("trap_name", oid_name(trap.trap_oid));
    if (trap.uptime) {
        data.set("uptime", *trap.uptime);
    }
    if (trap.request_id) {
        data.set("request_id", *trap.request_id);
    }
    data.set("peer", trap.peer);
    Json list = Json::array();
    for (const Varbind& v : trap.varbinds) {
        Json item = Json::object();
        item.set("oid", v.oid);
        item.set("name", oid_name(v.oid));
        item.set("type", v.type);
        item.set("value", v.value);
        if (v.hex) {
            item.set("encoding", "hex");
        }
        list.push_back(std::move(item));
    }
    data.set("varbinds", std::move(list));
    return data;
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
    Json event = Json::object();
    event.set("id", ids.next());
    event.set("time", time);
    event.set("type", status ? "status" : "archive");
    event.set("subject", subject);
    event.set("name", name);
    if (status) {
        event.set("state", state_name(*rule->state));
        event.set("severity", severity_of(*rule->state));
    }
    event.set("message", message_of(trap, trap_name, subject));
    if (status && rule->ttl) {
        event.set("ttl", *rule->ttl);
    }
    event.set("source", "evsrc-snmptrap");
    event.set("data", trap_data(trap));
    write_canonical(event, out);
}

}  // namespace ev::snmptrap
