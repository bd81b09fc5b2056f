// Discovery: which nodes a call goes to. From registration data (the
// registration topic the agents write, or an evstatus state), from a host
// list (--nodes FILE, or stdin when it carries data: identities one per
// line or NDJSON events whose subject names the node), or by broadcast (a
// ping with the filter, answered within --discovery-timeout; see call.h).
#pragma once

#include <cstddef>
#include <map>

#include <simdjson.h>
#include <string>
#include <string_view>
#include <vector>

#include "core/diag.h"
#include "core/host_list.h"
#include "core/kafka_config.h"
#include "core/result.h"
#include "rpc/filter.h"

namespace ev::rpc {

/// The name of the status event an agent registers with.
constexpr std::string_view k_registration_name = "evrpc.agent";

/// One node a request goes to.
struct Target {
    std::string host;      ///< its host name (what output events name as subject)
    std::string agent_id;  ///< its fingerprint; empty when only the host is known
    /// What the request's targets list names it by: the agent id when known
    /// (no other key can answer for it), else the host.
    const std::string& address() const { return agent_id.empty() ? host : agent_id; }
};

/// Reads one registration line into a node; an error when the line is not
/// an evrpc.agent status event with a string subject and data.agent_id.
Result<Node> parse_registration(std::string_view line);

/// The same with the caller's parser (reused across lines).
Result<Node> parse_registration(simdjson::dom::parser& parser, std::string_view line);

/// The latest registration of every agent seen.
class Registry {
public:
    /// Takes one line of the registration topic; false when it is not a
    /// registration (other events may share the topic).
    bool add(std::string_view line);

    /// The nodes whose latest registration holds at now (time + ttl >= now),
    /// sorted by host, then agent id.
    std::vector<Node> alive(double now) const;

    /// How many agents were seen, alive or not.
    std::size_t size() const { return m_by_id.size(); }

private:
    std::map<std::string, Node> m_by_id;
    simdjson::dom::parser m_parser;
};

/// Reads the registration topic from window seconds before now until every
/// partition was read to its end (or wait_s passed), into a registry.
Result<Registry> read_registration_topic(const KafkaOptions& kafka, const std::string& topic, double window,
                                         double wait_s, Diagnostics& diag);

/// The nodes an evstatus state file has an evrpc.agent identity for, not
/// expired: hosts only (a state keeps no facts), so only -I filters them.
Result<std::vector<Target>> read_status_state(const std::string& path);

/// True when stdin carries data to read: a pipe, a socket or a regular
/// file (not a terminal, not /dev/null).
bool stdin_carries_data();

/// The targets of a host list: every entry's subject, as a host or, when
/// it has the form of a fingerprint ("ed25519:" + 32 hex), an agent id.
std::vector<Target> targets_of(const std::vector<HostListEntry>& list);

/// The nodes that pass matcher, as targets.
std::vector<Target> select_nodes(const std::vector<Node>& nodes, const Matcher& matcher);

/// True when text has the form of an agent id: "ed25519:" + 32 lowercase hex.
bool is_agent_id(std::string_view text);

}  // namespace ev::rpc
