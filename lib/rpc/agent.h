// Agent: the node side of evrpc. Reads every request on the request topic
// (no consumer group), verifies and authorizes it, runs the action it names
// with validated inputs on stdin, and writes a signed reply to the request's
// reply topic; registers itself on the registration topic every interval.
#pragma once

#include <cstddef>
#include <string>

#include "core/diag.h"
#include "core/kafka_config.h"

namespace ev::rpc {

/// What `evrpc agent` was given on its command line.
struct AgentOptions {
    std::string config_path;  ///< --config FILE (docs/rpc.md, "Agent configuration")
    KafkaOptions kafka;       ///< --brokers, --kafka, --kafka-config override the file's
    /// --bench-identities N: host N identities in one process (the
    /// benchmark mode): each has its own key and host name, answers
    /// rpcutil.ping only, and still verifies, signs and replies.
    std::size_t bench_identities = 0;
    bool check = false;         ///< --check: load the configuration, print the agent id, exit
    double stats_interval = 0;  ///< --stats-interval: counter metric events among the registrations
};

/// Runs the agent until SIGTERM or SIGINT; returns the exit code (2 for a
/// bad configuration, 4 when a file or Kafka cannot be opened).
int run_agent(const AgentOptions& options, Diagnostics& diag);

}  // namespace ev::rpc
