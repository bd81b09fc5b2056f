// Message: the bodies an envelope carries (lib/rpc/envelope.h), a request
// and a reply, their encoding and their strict parsing. docs/rpc.md gives
// the format; both sides of evrpc use these, so they always agree.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "core/json.h"
#include "core/result.h"
#include "rpc/filter.h"

namespace ev::rpc {

/// The longest request id, caller, agent, action or host accepted.
constexpr std::size_t k_max_name = 255;

/// A request body: {"type":"rpc.request", ...}.
struct Request {
    std::string id;                    ///< a ULID (core/id.h); the replay cache's key
    double time = 0;                   ///< when it was made, Unix seconds (signed: the TTL counts from it)
    double ttl = 0;                    ///< seconds it stays valid after time
    std::string caller;                ///< the caller's fingerprint (must be the envelope's signer)
    std::string agent;                 ///< the agent (action namespace): "rpcutil"
    std::string action;                ///< the action: "ping"
    Json inputs = Json::object();      ///< the action's inputs, an object
    Filter filter;                     ///< which nodes it is for
    std::vector<std::string> targets;  ///< direct addressing: agent ids or host names
    bool direct = false;               ///< targets were given (even when empty)
    std::string reply_to;              ///< the reply topic
};

/// A reply body: {"type":"rpc.reply", ...}.
struct Reply {
    std::string request;         ///< the request's id
    std::string agent_id;        ///< the replying agent's fingerprint (must be the envelope's signer)
    std::string host;            ///< its host name
    std::string agent;           ///< as in the request
    std::string action;          ///< as in the request
    std::string status;          ///< "ok", "failed" or "refused"
    int64_t code = 0;            ///< the action's exit code (0 ok; see docs/rpc.md for refusals)
    std::string message;         ///< one human line
    Json data = Json::object();  ///< the action's answer, an object
    double time = 0;             ///< when the reply was made, Unix seconds
    int64_t elapsed_ms = 0;      ///< from receipt of the request to the reply
};

/// The request's body text, keys in the documented order.
std::string request_body(const Request& request);

/// The reply's body text, keys in the documented order.
std::string reply_body(const Reply& reply);

/// Parses a request body. Refused: not an object, a duplicate key, a
/// missing or mistyped field, a name outside [A-Za-z0-9_.:-] or too long,
/// a ttl that is not positive, a reply topic that is not a topic name.
Result<Request> parse_request(std::string_view body);

/// Parses a reply body, as strictly.
Result<Reply> parse_reply(std::string_view body);

/// True for a Kafka topic name: 1 to 249 of [A-Za-z0-9._-], not "." or "..".
bool is_topic_name(std::string_view name);

/// True for an agent or action name: 1 to 64 of [a-z0-9_], starting with a letter.
bool is_action_name(std::string_view name);

}  // namespace ev::rpc
