// Config: the agent's configuration file, "KEY = VALUE" lines (# comments).
// docs/rpc.md, "Agent configuration", lists every key.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.h"

namespace ev::rpc {

/// Defaults of the topics both sides use.
constexpr std::string_view k_default_request_topic = "evrpc.requests";
constexpr std::string_view k_default_reply_topic = "evrpc.replies";
constexpr std::string_view k_default_registration_topic = "evrpc.registrations";

/// The agent's settings.
struct AgentConfig {
    std::string state_dir;  ///< key (agent.key), replay cache (seen); required
    std::string host;       ///< the node's name; empty: the FQDN
    std::string request_topic = std::string(k_default_request_topic);
    std::string registration_topic = std::string(k_default_registration_topic);
    double register_interval = 60;        ///< seconds between registrations (their ttl is three times it)
    std::string facts_file;               ///< optional
    std::string classes_file;             ///< optional
    std::string actions_dir;              ///< optional: AGENT.ACTION.json schemas
    std::string authorized_keys;          ///< required
    std::string policy;                   ///< required
    std::string decision_log = "-";       ///< a file to append to; "-": stdout
    double max_ttl = 3600;                ///< the longest ttl accepted, and the read-back window
    double skew = 30;                     ///< clock-skew grace, either direction
    std::size_t concurrency = 4;          ///< actions running at once
    std::size_t queue = 1000;             ///< accepted requests waiting for a slot at most
    std::size_t max_output = 256 * 1024;  ///< bytes of an action's stdout kept
    std::string nagios_config;            ///< evsrc-nagios check list for nagios.run; empty: none
    std::string nagios_resource;          ///< its resource file ($USERn$ macros), as evsrc-nagios --resource
    std::string nagios_plugin_dir;        ///< where bare plugin names are found first, as --plugin-dir
    std::string brokers;                  ///< overridden by --brokers
    std::vector<std::string> kafka;       ///< kafka.PROP = VALUE lines, as PROP=VALUE
};

/// Parses the configuration text; errors read "FILE:LINE: message". Paths
/// that are not absolute are taken relative to the file's directory.
Result<AgentConfig> parse_agent_config(std::string_view text, std::string_view file);

/// Reads and parses the configuration file.
Result<AgentConfig> load_agent_config(const std::string& path);

}  // namespace ev::rpc
