// The agent's parts, shared by the files that implement it (not an
// interface: rpc/agent.h is). By noun:
//   agent.cpp           start, reload, the event loop, stopping
//   agent_node.cpp      the node(s) answered for: facts, classes, identities, registration
//   agent_requests.cpp  a request's checks (signature, caller, TTL, replay, policy, schema),
//                       the decision log, signed replies, the built-in actions
//   agent_jobs.cpp      accepted actions: the queue, the concurrency cap, children, nagios.run
#pragma once

#include <cstddef>
#include <cstdint>
#include <deque>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "core/child_set.h"
#include "core/diag.h"
#include "core/id.h"
#include "core/json.h"
#include "core/kafka_config.h"
#include "core/kafka_reader.h"
#include "core/kafka_sink.h"
#include "core/self_status.h"
#include "core/stats.h"
#include "nagios/checklist.h"
#include "nagios/config.h"
#include "nagios/runner.h"
#include "rpc/actions.h"
#include "rpc/agent.h"
#include "rpc/config.h"
#include "rpc/envelope.h"
#include "rpc/filter.h"
#include "rpc/message.h"
#include "rpc/policy.h"
#include "rpc/replay.h"

namespace ev::rpc {

// Codes of "refused" replies (docs/rpc.md, "Replies").
inline constexpr int k_refused_policy = 2;
inline constexpr int k_refused_unknown_action = 3;
inline constexpr int k_refused_inputs = 4;
inline constexpr int k_refused_ttl = 5;
inline constexpr int k_refused_future = 6;
inline constexpr int k_refused_busy = 7;
inline constexpr int k_refused_expired_queued = 8;

// The reply topics one agent keeps producers for; more are refused.
inline constexpr std::size_t k_max_reply_topics = 32;

// One node this process answers for: the agent itself, or one of the
// benchmark's identities.
struct Identity {
    KeyPair key;
    Node node;
};

// An accepted request waiting for, or holding, a slot. The request is
// shared by the jobs of all identities it addressed: a direct request to N
// identities names N targets, and a copy per job made that N^2.
struct Job {
    std::shared_ptr<const Request> request;
    std::size_t identity = 0;
    std::string caller_name;
    Action action;
    double received = 0;  // steady seconds
};

class Agent {
public:
    Agent(AgentConfig config, const AgentOptions& options, Diagnostics& diag)
        : m_config(std::move(config)), m_options(options), m_diag(diag) {}

    int start();
    int run();

private:
    Result<void> load_node_files(Node& base);
    void make_identities(KeyPair key, Node base);
    Result<void> load_policy_and_actions();
    nagios::ChecklistOptions nagios_checklist() const;
    void reload();
    void register_all();
    void handle(const KafkaReader::Message& message);
    void log(std::string_view source, const Request* request, std::string_view caller, std::string_view identity,
             bool allowed, std::string_view reason);
    void reply(const Identity& who, const Request& request, double received, std::string status, int64_t code,
               std::string message, Json data);
    KafkaSink* reply_sink(const std::string& topic);
    void start_jobs();
    void run_builtin(const Identity& who, const Request& request, Action::Kind kind, double received);
    void start_nagios(Job job);
    void finish_children();
    void finish_nagios();
    void register_stats();
    void write_self(std::string_view line);

    AgentConfig m_config;
    AgentOptions m_options;
    KafkaOptions m_kafka;
    Diagnostics& m_diag;
    std::vector<Identity> m_identities;
    Policy m_policy;
    ActionSet m_actions;
    nagios::Config m_nagios;
    ReplayCache m_replay;
    std::unique_ptr<KafkaReader> m_reader;
    std::unique_ptr<KafkaSink> m_registration;
    std::map<std::string, std::unique_ptr<KafkaSink>> m_reply_sinks;
    ChildSet m_children;
    std::unique_ptr<nagios::Runner> m_nagios_runner;  // evsrc-nagios's runner, made once configured
    std::deque<Job> m_queue;
    std::unordered_map<uint64_t, Job> m_running;         // by ChildSpec tag
    std::unordered_map<uint64_t, Job> m_nagios_running;  // by Runner token
    uint64_t m_next_tag = 1;
    bool m_backlog = false;  // requests were left in the reader's queue
    int m_log_fd = 1;
    IdGenerator m_ids;
    uint64_t m_requests = 0;  // request messages read
    Stats m_stats{"evrpc"};
    ReloadStatus m_reload_status{"evrpc"};
};

}  // namespace ev::rpc
