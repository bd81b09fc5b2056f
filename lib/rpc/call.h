// Caller: the client's round trip. It seals a request with the caller's
// key, produces it on the request topic, and reads the reply topic (no
// consumer group, from just before the request) for the signed replies to
// it, pinning each agent's key (known_agents.h), until every target has
// answered, the deadline passes, or Ctrl-C.
#pragma once

#include <cstddef>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "core/diag.h"
#include "core/id.h"
#include "core/kafka_config.h"
#include "core/kafka_reader.h"
#include "core/kafka_sink.h"
#include "core/result.h"
#include "rpc/discovery.h"
#include "rpc/envelope.h"
#include "rpc/known_agents.h"
#include "rpc/message.h"

namespace ev::rpc {

/// The client's Kafka options with its latency defaults in front of the
/// operator's own (which still override them): fetches return after 10 ms
/// rather than librdkafka's 500 when nothing is there, and a request is
/// produced at once (linger.ms=0). A client waits for answers, so it trades
/// a few more fetch requests for round trips that are not half a second.
KafkaOptions interactive_kafka(const KafkaOptions& kafka);

/// What every request of one client run shares.
struct CallSettings {
    KafkaOptions kafka;
    std::string request_topic;
    std::string reply_topic;
    KeyPair key;                   ///< the caller's key; its fingerprint is the request's caller
    double ttl = 60;               ///< seconds a request stays valid
    KnownAgents* known = nullptr;  ///< pins; nullptr: no pinning
    bool pin_new = true;           ///< pin hosts seen for the first time (else refuse them)
};

/// One target's outcome of a request.
struct Outcome {
    Target target;               ///< the host is filled in from the reply when only the id was known
    std::optional<Reply> reply;  ///< nothing: no (acceptable) reply
    double rtt_ms = 0;           ///< from the request's production to the reply's arrival
    std::string problem;         ///< why a reply for it was refused (a changed key), when one was
};

/// Sends requests and collects their replies.
class Caller {
public:
    /// Connects the request producer and the reply reader. The error is a
    /// usage error (a refused property) or a Kafka failure.
    static Result<std::unique_ptr<Caller>> open(const CallSettings& settings, Diagnostics& diag);

    /// A request for agent.action with inputs and filter, its id, time,
    /// ttl, caller and reply topic filled in.
    Request make_request(const std::string& agent, const std::string& action, const Json& inputs, const Filter& filter);

    /// Produces request addressed to targets (request.targets is set from
    /// them; open_ended: to every node its filter matches, and each reply
    /// adds an outcome) and collects replies until every target answered,
    /// steady_deadline (core/clock.h steady_now) passed, or a stop was
    /// requested. on_reply sees each accepted reply as it arrives; tick is
    /// called about ten times a second while waiting (progress). Outcomes
    /// are in the targets' order (open-ended: in arrival order).
    Result<std::vector<Outcome>> call(Request request, const std::vector<Target>& targets, bool open_ended,
                                      double steady_deadline, const std::function<void(const Outcome&)>& on_reply,
                                      const std::function<void(std::size_t answered, std::size_t total)>& tick);

    ~Caller();

private:
    Caller(const CallSettings& settings, Diagnostics& diag);

    CallSettings m_settings;
    Diagnostics& m_diag;
    std::string m_caller;
    IdGenerator m_ids;
    std::unique_ptr<KafkaSink> m_sink;
    std::unique_ptr<KafkaReader> m_replies;
};

}  // namespace ev::rpc
