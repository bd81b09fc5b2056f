// The nodes an agent answers for (its own, or N in the benchmark mode):
// facts and classes, identities and keys, registrations.
#include <sodium.h>

#include <fmt/format.h>

#include "core/clock.h"
#include "core/text.h"
#include "core/version.h"
#include "rpc/agent_internal.h"
#include "rpc/facts.h"

namespace ev::rpc {

Result<void> Agent::load_node_files(Node& base) {
    Json facts = builtin_facts(base.host);
    if (!m_config.facts_file.empty()) {
        auto text = read_text_file_at_most(m_config.facts_file, 1 << 20);
        if (!text) {
            return std::move(text).take_error();
        }
        auto extra = parse_facts(*text, m_config.facts_file);
        if (!extra) {
            return std::move(extra).take_error();
        }
        if (!extra->is_object()) {
            return make_error(fmt::format("{}: the facts are not a JSON object", m_config.facts_file));
        }
        facts = merge_facts(std::move(facts), *extra);
    }
    base.facts = std::move(facts);
    base.classes.clear();
    if (!m_config.classes_file.empty()) {
        auto text = read_text_file_at_most(m_config.classes_file, 1 << 20);
        if (!text) {
            return std::move(text).take_error();
        }
        base.classes = parse_classes(*text);
    }
    return {};
}

// The identities this process answers for: the agent's own, or in the
// benchmark mode N derived from it.
void Agent::make_identities(KeyPair key, Node base) {
    if (m_options.bench_identities == 0) {
        base.agent_id = fingerprint(key.pub);
        m_identities.push_back(Identity{std::move(key), std::move(base)});
    } else {
        // Each benchmark identity's key derives from the agent's own, so it
        // stays the same across restarts.
        for (std::size_t i = 0; i < m_options.bench_identities; ++i) {
            std::string material = key.secret + std::to_string(i);
            std::string seed(k_seed_bytes, '\0');
            crypto_generichash(reinterpret_cast<unsigned char*>(seed.data()), seed.size(),
                               reinterpret_cast<const unsigned char*>(material.data()), material.size(), nullptr, 0);
            Identity id{key_from_seed(seed), base};
            id.node.agent_id = fingerprint(id.key.pub);
            id.node.host = fmt::format("bench{:05}.{}", i, base.host);
            id.node.facts.set("fqdn", Json(id.node.host));
            id.node.facts.set("bench_index", Json(static_cast<int64_t>(i)));
            m_identities.push_back(std::move(id));
        }
    }
}

void Agent::register_all() {
    double now = wall_clock().now();
    for (const Identity& id : m_identities) {
        Json event = Json::object();
        event.set("id", m_ids.next());
        event.set("time", Json(now));
        event.set("type", Json("status"));
        event.set("subject", Json(id.node.host));
        event.set("name", Json("evrpc.agent"));
        event.set("state", Json("ok"));
        event.set("severity", Json(0));
        event.set("ttl", Json(3 * m_config.register_interval));
        event.set("message", Json(fmt::format("evrpc agent {}", id.node.agent_id)));
        event.set("source", Json("evrpc"));
        Json data = Json::object();
        data.set("agent_id", Json(id.node.agent_id));
        data.set("facts", id.node.facts);
        Json classes = Json::array();
        for (const std::string& c : id.node.classes) {
            classes.push_back(Json(c));
        }
        data.set("classes", std::move(classes));
        Json agents = Json::object();
        for (const auto& [agent, actions] : id.node.agents) {
            Json list = Json::array();
            for (const std::string& a : actions) {
                list.push_back(Json(a));
            }
            agents.set(agent, std::move(list));
        }
        data.set("agents", std::move(agents));
        data.set("version", Json(std::string_view(k_version)));
        event.set("data", std::move(data));
        m_registration->write_line(to_canonical(event));
    }
}

}  // namespace ev::rpc
