#include "rpc/call.h"

#include <cmath>
#include <unordered_map>

#include <fmt/format.h>

#include "core/clock.h"
#include "core/escape.h"
#include "core/signals.h"

namespace ev::rpc {

KafkaOptions interactive_kafka(const KafkaOptions& kafka) {
    KafkaOptions out = kafka;
    out.props.insert(out.props.begin(), {"fetch.wait.max.ms=10", "linger.ms=0"});
    return out;
}

Caller::Caller(const CallSettings& settings, Diagnostics& diag)
    : m_settings(settings), m_diag(diag), m_caller(fingerprint(settings.key.pub)) {}

Caller::~Caller() = default;

Result<std::unique_ptr<Caller>> Caller::open(const CallSettings& settings, Diagnostics& diag) {
    std::unique_ptr<Caller> caller(new Caller(settings, diag));
    // Replies are read from a little before now: on a cluster with offsets
    // by timestamp that is where this run's replies begin; elsewhere the
    // reader starts at the earliest retained reply and old ones are skipped
    // by their request id.
    int64_t since_ms = static_cast<int64_t>((wall_clock().now() - 5) * 1000);
    KafkaOptions kafka = interactive_kafka(settings.kafka);
    auto reader =
        KafkaReader::open(kafka, settings.reply_topic, KafkaReader::From::time, since_ms, k_max_envelope, diag);
    if (!reader) {
        return std::move(reader).take_error();
    }
    caller->m_replies = std::move(*reader);
    auto sink = KafkaSink::open(kafka, settings.request_topic, {}, diag);
    if (!sink) {
        return std::move(sink).take_error();
    }
    caller->m_sink = std::move(*sink);
    return caller;
}

Request Caller::make_request(const std::string& agent, const std::string& action, const Json& inputs,
                             const Filter& filter) {
    Request r;
    r.id = m_ids.next();
    r.time = wall_clock().now();
    r.ttl = m_settings.ttl;
    r.caller = m_caller;
    r.agent = agent;
    r.action = action;
    r.inputs = inputs;
    r.filter = filter;
    r.reply_to = m_settings.reply_topic;
    return r;
}

Result<std::vector<Outcome>> Caller::call(Request request, const std::vector<Target>& targets, bool open_ended,
                                          double steady_deadline, const std::function<void(const Outcome&)>& on_reply,
                                          const std::function<void(std::size_t, std::size_t)>& tick) {
    std::vector<Outcome> outcomes;
    std::unordered_map<std::string, std::size_t> by_id, by_host;
    request.targets.clear();
    request.direct = !open_ended;
    for (const Target& t : targets) {
        request.targets.push_back(t.address());
        if (!t.agent_id.empty()) {
            by_id.emplace(t.agent_id, outcomes.size());
        } else {
            by_host.emplace(t.host, outcomes.size());
        }
        outcomes.push_back({t, std::nullopt, 0, {}});
    }
    // The request's time is when it leaves: the TTL counts from here.
    request.time = wall_clock().now();
    m_sink->write_line(seal(m_settings.key, request_body(request)));
    if (auto flushed = m_sink->flush(); !flushed) {
        return make_error(fmt::format("kafka: cannot send the request: {}", flushed.error()));
    }
    double sent = steady_now();
    std::size_t answered = 0;
    KafkaReader::Message message;
    double next_tick = sent;
    while (open_ended || answered < outcomes.size()) {
        double now = steady_now();
        if (tick && now >= next_tick) {
            tick(answered, outcomes.size());
            next_tick = now + 0.1;
        }
        if (now >= steady_deadline || signals::stop_requested()) {
            break;
        }
        int wait_ms = static_cast<int>(std::ceil((std::min(steady_deadline, next_tick) - now) * 1000));
        KafkaReader::Status status = m_replies->next(message, std::max(wait_ms, 1));
        if (status == KafkaReader::Status::end) {
            break;
        }
        if (status != KafkaReader::Status::message || !message.problem.empty()) {
            continue;
        }
        // Cheap skip first: most of the topic is other requests' replies.
        auto sealed = parse_envelope(message.bytes);
        if (!sealed || sealed->body.find(request.id) == std::string::npos) {
            continue;
        }
        auto opened = verify_envelope(std::move(*sealed));
        if (!opened) {
            m_diag.error(fmt::format("a reply to {} was refused: {}", request.id, opened.error()));
            continue;
        }
        auto reply = parse_reply(opened->body);
        if (!reply || reply->request != request.id) {
            if (!reply) {
                m_diag.error(fmt::format("a reply to {} was refused: {}", request.id, reply.error()));
            }
            continue;
        }
        if (reply->agent_id != opened->fingerprint) {
            m_diag.error(fmt::format("a reply to {} claims agent {} but is signed by {}: refused", request.id,
                                     reply->agent_id, opened->fingerprint));
            continue;
        }
        std::size_t index = outcomes.size();
        if (auto it = by_id.find(reply->agent_id); it != by_id.end()) {
            index = it->second;
        } else if (auto ht = by_host.find(reply->host); ht != by_host.end()) {
            index = ht->second;
        } else if (open_ended) {
            by_id.emplace(reply->agent_id, outcomes.size());
            outcomes.push_back({{reply->host, reply->agent_id}, std::nullopt, 0, {}});
        } else {
            continue;  // not one of ours: an agent that misread the targets
        }
        Outcome& o = outcomes[index];
        if (o.reply) {
            continue;  // a second reply (a replayed message): the first counts
        }
        if (m_settings.known != nullptr) {
            auto verdict = m_settings.known->check(reply->host, reply->agent_id, m_settings.pin_new);
            if (verdict == KnownAgents::Verdict::mismatch || verdict == KnownAgents::Verdict::unknown) {
                const std::string* pinned = m_settings.known->pinned(reply->host);
                o.problem = verdict == KnownAgents::Verdict::mismatch
                                ? fmt::format("reply refused: {} is pinned to {}, the reply was signed by {}",
                                              reply->host, pinned != nullptr ? *pinned : "", reply->agent_id)
                                : fmt::format("reply refused: {} is not a known agent", reply->host);
                m_diag.error(o.problem);
                continue;
            }
        }
        o.target.host = reply->host;
        o.target.agent_id = reply->agent_id;
        o.rtt_ms = (steady_now() - sent) * 1000;
        o.reply = std::move(*reply);
        if (!open_ended || index < outcomes.size()) {
            by_id.emplace(o.target.agent_id, index);
        }
        ++answered;
        if (on_reply) {
            on_reply(o);
        }
    }
    if (tick) {
        tick(answered, outcomes.size());
    }
    // Open-ended outcomes exist only for replies: drop refused ones.
    if (open_ended) {
        std::erase_if(outcomes, [](const Outcome& o) { return !o.reply; });
    }
    return outcomes;
}

}  // namespace ev::rpc
