// A request's way through the agent: which identities it is for, the
// checks (signature, caller, TTL and skew, replay, policy, schema), the
// decision log, the built-in actions and every signed reply.
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <unordered_set>

#include <fmt/format.h>

#include "core/clock.h"
#include "core/utf8.h"
#include "core/version.h"
#include "rpc/agent_internal.h"

namespace ev::rpc {

void Agent::log(std::string_view source, const Request* request, std::string_view caller, std::string_view identity,
                bool allowed, std::string_view reason) {
    Json entry = Json::object();
    entry.set("time", Json(wall_clock().now()));
    entry.set("type", Json("rpc.decision"));
    entry.set("source", Json(source));
    entry.set("request", request != nullptr ? Json(request->id) : Json());
    entry.set("caller", caller.empty() ? Json() : Json(caller));
    if (request != nullptr) {
        entry.set("action", Json(fmt::format("{}.{}", request->agent, request->action)));
    }
    entry.set("agent_id", Json(identity));
    entry.set("decision", Json(allowed ? "allowed" : "refused"));
    entry.set("reason", Json(sanitize_utf8(reason)));
    std::string line = to_canonical(entry);
    line += '\n';
    if (::write(m_log_fd, line.data(), line.size()) != static_cast<ssize_t>(line.size())) {
        m_diag.error(fmt::format("decision log: {}", std::strerror(errno)));
    }
}

KafkaSink* Agent::reply_sink(const std::string& topic) {
    auto found = m_reply_sinks.find(topic);
    if (found != m_reply_sinks.end()) {
        return found->second.get();
    }
    if (m_reply_sinks.size() >= k_max_reply_topics) {
        m_diag.error(fmt::format("reply topic {}: more than {} reply topics; not answered", topic, k_max_reply_topics));
        return nullptr;
    }
    auto sink = KafkaSink::open(m_kafka, topic, {}, m_diag);
    if (!sink) {
        m_diag.error(sink.error());
        return nullptr;
    }
    KafkaSink* raw = sink->get();
    m_reply_sinks.emplace(topic, std::move(*sink));
    return raw;
}

void Agent::reply(const Identity& who, const Request& request, double received, std::string status, int64_t code,
                  std::string message, Json data) {
    Reply r;
    r.request = request.id;
    r.agent_id = who.node.agent_id;
    r.host = who.node.host;
    r.agent = request.agent;
    r.action = request.action;
    r.status = std::move(status);
    r.code = code;
    r.message = sanitize_utf8(message);
    r.data = std::move(data);
    r.time = wall_clock().now();
    r.elapsed_ms = static_cast<int64_t>((steady_now() - received) * 1000 + 0.5);
    KafkaSink* sink = reply_sink(request.reply_to);
    if (sink != nullptr) {
        sink->write_line(seal(who.key, reply_body(r)));
    }
}

void Agent::handle(const KafkaReader::Message& message) {
    ++m_requests;
    double received = steady_now();
    std::string source = fmt::format("kafka:{}/{}@{}", m_config.request_topic, message.partition, message.offset);
    if (!message.problem.empty()) {
        log(source, nullptr, {}, {}, false, message.problem);
        return;
    }
    auto sealed = parse_envelope(message.bytes);
    if (!sealed) {
        log(source, nullptr, {}, {}, false, fmt::format("not a signed envelope: {}", sealed.error()));
        return;
    }
    auto parsed = parse_request(sealed->body);
    if (!parsed) {
        log(source, nullptr, fingerprint(sealed->pub), {}, false, fmt::format("malformed request: {}", parsed.error()));
        return;
    }
    // Shared with the jobs it makes, never copied per identity.
    auto shared = std::make_shared<const Request>(std::move(*parsed));
    const Request& request = *shared;
    // Which of our identities it is for, before the costlier checks: every
    // agent sees every request, and most are for other nodes.
    auto matcher = Matcher::compile(request.filter);
    if (!matcher) {
        log(source, &request, request.caller, {}, false, fmt::format("bad filter: {}", matcher.error()));
        return;
    }
    std::vector<std::size_t> mine;
    // A set, so that N identities addressed by N targets cost N look-ups.
    std::unordered_set<std::string_view> targets(request.targets.begin(), request.targets.end());
    for (std::size_t i = 0; i < m_identities.size(); ++i) {
        const Node& node = m_identities[i].node;
        bool addressed = !request.direct || targets.count(node.agent_id) > 0 || targets.count(node.host) > 0;
        if (addressed && matcher->matches(node)) {
            mine.push_back(i);
        }
    }
    if (mine.empty()) {
        return;
    }
    // In the benchmark mode one decision line stands for every identity.
    const std::string& first_id = m_identities[mine.front()].node.agent_id;
    auto opened = verify_envelope(std::move(*sealed));
    if (!opened) {
        log(source, &request, request.caller, first_id, false, "bad signature");
        return;
    }
    if (request.caller != opened->fingerprint) {
        log(source, &request, opened->fingerprint, first_id, false, "the caller field is not the signer's fingerprint");
        return;
    }
    const AuthorizedCaller* caller = m_policy.caller(opened->fingerprint);
    if (caller == nullptr) {
        log(source, &request, opened->fingerprint, first_id, false, "the caller's key is not authorized");
        return;
    }
    double now = wall_clock().now();
    auto refuse = [&](int code, const std::string& why) {
        log(source, &request, caller->fingerprint, first_id, false, why);
        for (std::size_t i : mine) {
            reply(m_identities[i], request, received, "refused", code, why, Json::object());
        }
    };
    if (now > request.time + request.ttl + m_config.skew) {
        // No reply: its caller stopped waiting, and a restart reads such
        // requests back.
        log(source, &request, caller->fingerprint, first_id, false,
            fmt::format("expired ({:.3f}s after its ttl, skew grace {}s)", now - request.time - request.ttl,
                        m_config.skew));
        return;
    }
    if (m_replay.seen(request.id, now)) {
        log(source, &request, caller->fingerprint, first_id, false, "replayed (its id was seen before)");
        return;
    }
    if (request.time > now + m_config.skew) {
        refuse(k_refused_future,
               fmt::format("from the future ({:.3f}s ahead, skew grace {}s)", request.time - now, m_config.skew));
        return;
    }
    if (request.ttl > m_config.max_ttl) {
        refuse(k_refused_ttl, fmt::format("ttl {}s is above max_ttl {}s", request.ttl, m_config.max_ttl));
        return;
    }
    if (auto added = m_replay.add(request.id, request.time + request.ttl + m_config.skew, now); !added) {
        // Without a durable record the request could run twice: refuse it.
        m_diag.error(added.error());
        refuse(k_refused_busy, "the replay cache cannot be written");
        return;
    }
    const Action* action = m_actions.find(request.agent, request.action);
    // The inputs and the schema are the same for every identity: checked once.
    Result<void> valid = action != nullptr ? validate_inputs(action->schema, request.inputs) : Result<void>();
    for (std::size_t i : mine) {
        const Identity& who = m_identities[i];
        auto refuse_one = [&](int code, const std::string& why) {
            log(source, &request, caller->fingerprint, who.node.agent_id, false, why);
            reply(who, request, received, "refused", code, why, Json::object());
        };
        Decision decision = m_policy.decide(*caller, request.agent, request.action, who.node);
        if (!decision.allowed) {
            refuse_one(k_refused_policy, fmt::format("not allowed: {}", decision.reason));
            continue;
        }
        if (action == nullptr) {
            refuse_one(k_refused_unknown_action, fmt::format("unknown action {}.{}", request.agent, request.action));
            continue;
        }
        if (!valid) {
            refuse_one(k_refused_inputs, valid.error());
            continue;
        }
        if (m_options.bench_identities == 0 || i == mine.front()) {
            log(source, &request, caller->fingerprint, who.node.agent_id, true,
                mine.size() > 1 ? fmt::format("{} ({} identities)", decision.reason, mine.size()) : decision.reason);
        }
        if (action->kind == Action::Kind::ping || action->kind == Action::Kind::inventory) {
            run_builtin(who, request, action->kind, received);
            continue;
        }
        if (m_queue.size() >= m_config.queue) {
            refuse_one(k_refused_busy, fmt::format("busy: {} requests are waiting", m_queue.size()));
            continue;
        }
        m_queue.push_back(Job{shared, i, caller->name, *action, received});
    }
}

void Agent::run_builtin(const Identity& who, const Request& request, Action::Kind kind, double received) {
    Json data = Json::object();
    if (kind == Action::Kind::ping) {
        data.set("pong", Json(wall_clock().now()));
        reply(who, request, received, "ok", 0, "pong", std::move(data));
        return;
    }
    data.set("agent_id", Json(who.node.agent_id));
    data.set("host", Json(who.node.host));
    data.set("facts", who.node.facts);
    Json classes = Json::array();
    for (const std::string& c : who.node.classes) {
        classes.push_back(Json(c));
    }
    data.set("classes", std::move(classes));
    data.set("agents", m_actions.schemas());
    data.set("version", Json(std::string_view(k_version)));
    reply(who, request, received, "ok", 0, "inventory", std::move(data));
}

}  // namespace ev::rpc
