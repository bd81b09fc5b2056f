#include "rpc/agent.h"

#include <fcntl.h>
#include <poll.h>
#include <sodium.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <deque>
#include <map>
#include <memory>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include <fmt/format.h>

#include "core/child_set.h"
#include "core/clock.h"
#include "core/escape.h"
#include "core/exit_code.h"
#include "core/host.h"
#include "core/id.h"
#include "core/json.h"
#include "core/kafka_reader.h"
#include "core/kafka_sink.h"
#include "core/signals.h"
#include "core/utf8.h"
#include "core/version.h"
#include "nagios/checklist.h"
#include "nagios/config.h"
#include "nagios/output.h"
#include "nagios/runner.h"
#include "rpc/actions.h"
#include "rpc/config.h"
#include "rpc/envelope.h"
#include "rpc/facts.h"
#include "rpc/filter.h"
#include "rpc/message.h"
#include "rpc/policy.h"
#include "rpc/replay.h"

namespace ev::rpc {

namespace {

// Codes of "refused" replies (docs/rpc.md, "Replies").
constexpr int k_refused_policy = 2;
constexpr int k_refused_unknown_action = 3;
constexpr int k_refused_inputs = 4;
constexpr int k_refused_ttl = 5;
constexpr int k_refused_future = 6;
constexpr int k_refused_busy = 7;
constexpr int k_refused_expired_queued = 8;

// The reply topics one agent keeps producers for; more are refused.
constexpr std::size_t k_max_reply_topics = 32;

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

}  // namespace

class Agent {
public:
    Agent(AgentConfig config, const AgentOptions& options, Diagnostics& diag)
        : m_config(std::move(config)), m_options(options), m_diag(diag) {}

    int start();
    int run();

private:
    Result<void> load_node_files(Node& base);
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
};

Result<void> Agent::load_node_files(Node& base) {
    Json facts = builtin_facts(base.host);
    if (!m_config.facts_file.empty()) {
        auto text = read_text_file(m_config.facts_file, 1 << 20);
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
        auto text = read_text_file(m_config.classes_file, 1 << 20);
        if (!text) {
            return std::move(text).take_error();
        }
        base.classes = parse_classes(*text);
    }
    return {};
}

// The check list nagios.run runs, configured as evsrc-nagios's --resource
// and --plugin-dir configure it.
nagios::ChecklistOptions Agent::nagios_checklist() const {
    nagios::ChecklistOptions options;
    options.config_path = m_config.nagios_config;
    options.resource_path = m_config.nagios_resource;
    options.runner.plugin_dir = m_config.nagios_plugin_dir;
    return options;
}

Result<void> Agent::load_policy_and_actions() {
    auto policy = Policy::load(m_config.authorized_keys, m_config.policy);
    if (!policy) {
        return std::move(policy).take_error();
    }
    nagios::Config checks;
    if (!m_config.nagios_config.empty()) {
        // As evsrc-nagios loads it: $USERn$ from the resource file, an
        // undefined one refuses the check list.
        auto loaded = nagios::load_checklist(nagios_checklist());
        if (!loaded) {
            return std::move(loaded).take_error();
        }
        checks = std::move(*loaded);
    }
    ActionSet actions;
    if (m_options.bench_identities > 0) {
        actions = ActionSet::ping_only();
    } else {
        auto loaded = ActionSet::load(m_config.actions_dir, !m_config.nagios_config.empty());
        if (!loaded) {
            return std::move(loaded).take_error();
        }
        actions = std::move(*loaded);
    }
    m_policy = std::move(*policy);
    m_nagios = std::move(checks);
    m_actions = std::move(actions);
    return {};
}

int Agent::start() {
    m_kafka = m_options.kafka;
    if (m_kafka.brokers.empty()) {
        m_kafka.brokers = m_config.brokers;
    }
    // An idle fetch waits this long at the broker: it bounds the latency of
    // a request's pickup and sets the fetch rate of idle agents (docs/rpc.md,
    // "Latency"); kafka.fetch.wait.max.ms overrides it.
    std::vector<std::string> props = {"fetch.wait.max.ms=100"};
    props.insert(props.end(), m_config.kafka.begin(), m_config.kafka.end());
    props.insert(props.end(), m_kafka.props.begin(), m_kafka.props.end());
    m_kafka.props = std::move(props);

    if (::mkdir(m_config.state_dir.c_str(), 0700) != 0 && errno != EEXIST) {
        m_diag.error(fmt::format("{}: {}", m_config.state_dir, std::strerror(errno)));
        return exit_code::k_io;
    }
    std::string host = m_config.host.empty() ? host_fqdn() : m_config.host;
    auto key = load_or_create_key(m_config.state_dir + "/agent.key", host);
    if (!key) {
        m_diag.error(key.error());
        return exit_code::k_io;
    }
    Node base;
    base.host = host;
    if (auto r = load_node_files(base); !r) {
        m_diag.error(r.error());
        return exit_code::k_usage;
    }
    if (auto r = load_policy_and_actions(); !r) {
        m_diag.error(r.error());
        return exit_code::k_usage;
    }
    base.agents = m_actions.agents();
    if (m_options.bench_identities == 0) {
        base.agent_id = fingerprint(key->pub);
        m_identities.push_back(Identity{std::move(*key), std::move(base)});
    } else {
        // Each benchmark identity's key derives from the agent's own, so it
        // stays the same across restarts.
        for (std::size_t i = 0; i < m_options.bench_identities; ++i) {
            std::string material = key->secret + std::to_string(i);
            std::string seed(k_seed_bytes, '\0');
            crypto_generichash(reinterpret_cast<unsigned char*>(seed.data()), seed.size(),
                               reinterpret_cast<const unsigned char*>(material.data()), material.size(), nullptr, 0);
            Identity id{key_from_seed(seed), base};
            id.node.agent_id = fingerprint(id.key.pub);
            id.node.host = fmt::format("bench{:05}.{}", i, host);
            id.node.facts.set("fqdn", Json(id.node.host));
            id.node.facts.set("bench_index", Json(static_cast<int64_t>(i)));
            m_identities.push_back(std::move(id));
        }
    }
    if (m_options.check) {
        for (const Identity& id : m_identities) {
            std::string line = fmt::format("{} {}\n", id.node.agent_id, id.node.host);
            (void)::write(1, line.data(), line.size());
        }
        return exit_code::k_ok;
    }
    if (m_config.decision_log != "-") {
        m_log_fd = ::open(m_config.decision_log.c_str(), O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0640);
        if (m_log_fd < 0) {
            m_diag.error(fmt::format("{}: {}", m_config.decision_log, std::strerror(errno)));
            return exit_code::k_io;
        }
    }
    double now = wall_clock().now();
    auto replay = ReplayCache::open(m_options.bench_identities > 0 ? "" : m_config.state_dir + "/seen", now);
    if (!replay) {
        m_diag.error(replay.error());
        return exit_code::k_io;
    }
    m_replay = std::move(*replay);
    // Requests made before the start that are still within their TTL are
    // read back; requests older than that are skipped by their signed time.
    auto since = static_cast<int64_t>((now - m_config.max_ttl - m_config.skew) * 1000);
    auto reader =
        KafkaReader::open(m_kafka, m_config.request_topic, KafkaReader::From::time, since, k_max_envelope, m_diag);
    if (!reader) {
        m_diag.error(reader.error());
        return exit_code::k_io;
    }
    m_reader = std::move(*reader);
    // Plugins run as evsrc-nagios runs them, found where it finds them.
    m_nagios_runner = std::make_unique<nagios::Runner>(nagios_checklist().runner);
    auto registration = KafkaSink::open(m_kafka, m_config.registration_topic, {}, m_diag);
    if (!registration) {
        m_diag.error(registration.error());
        return exit_code::k_io;
    }
    m_registration = std::move(*registration);
    // A Kafka outage shows as evkit.evrpc.kafka (critical, then ok) among the
    // registrations, where evstatus watches the agents anyway.
    m_registration->set_self_status(true);
    return -1;
}

void Agent::reload() {
    Node base = m_identities.front().node;
    if (auto r = load_node_files(base); !r) {
        m_diag.error(fmt::format("reload: {}; keeping the old configuration", r.error()));
        return;
    }
    if (auto r = load_policy_and_actions(); !r) {
        m_diag.error(fmt::format("reload: {}; keeping the old configuration", r.error()));
        return;
    }
    for (Identity& id : m_identities) {
        Json facts = base.facts;
        if (m_options.bench_identities > 0) {
            facts.set("fqdn", Json(id.node.host));
            if (const Json* index = id.node.facts.find("bench_index")) {
                facts.set("bench_index", *index);
            }
        }
        id.node.facts = std::move(facts);
        id.node.classes = base.classes;
        id.node.agents = m_actions.agents();
    }
    m_diag.error(fmt::format("reloaded: {} keys, {} policy lines", m_policy.key_count(), m_policy.rule_count()));
    register_all();
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
    const Caller* caller = m_policy.caller(opened->fingerprint);
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

void Agent::start_nagios(Job job) {
    const Identity& who = m_identities[job.identity];
    const Json* check = job.request->inputs.find("check");
    std::string name = check != nullptr && check->is_string() ? check->as_string() : std::string();
    const nagios::CheckDef* def = nullptr;
    for (const nagios::CheckDef& c : m_nagios.checks) {
        if (c.name == name) {
            def = &c;
        }
    }
    if (def == nullptr) {
        reply(who, *job.request, job.received, "failed", 3, fmt::format("no check named {}", name), Json::object());
        return;
    }
    nagios::Command command;
    command.argv = def->argv;  // its $USERn$ macros were expanded when the list was loaded
    command.timeout = def->timeout.value_or(60);
    command.max_output = def->max_output.value_or(8192);
    uint64_t token = m_nagios_runner->start(command);
    m_nagios_running.emplace(token, std::move(job));
}

void Agent::start_jobs() {
    while (!m_queue.empty() && m_running.size() + m_nagios_running.size() < m_config.concurrency) {
        Job job = std::move(m_queue.front());
        m_queue.pop_front();
        const Identity& who = m_identities[job.identity];
        if (wall_clock().now() > job.request->time + job.request->ttl + m_config.skew) {
            reply(who, *job.request, job.received, "refused", k_refused_expired_queued,
                  "expired while waiting for a slot (concurrency)", Json::object());
            continue;
        }
        if (job.action.kind == Action::Kind::nagios_run) {
            start_nagios(std::move(job));
            continue;
        }
        ChildSpec spec = action_child(job.action, *job.request, job.caller_name, who.node.agent_id, m_config.max_output);
        spec.tag = m_next_tag++;
        m_running.emplace(spec.tag, std::move(job));
        m_children.start(std::move(spec));
    }
}

void Agent::finish_children() {
    for (ChildResult& result : m_children.take_finished()) {
        auto found = m_running.find(result.tag);
        if (found == m_running.end()) {
            continue;
        }
        Job job = std::move(found->second);
        m_running.erase(found);
        Reply r;
        action_result(result, job.action.schema.timeout, r);
        reply(m_identities[job.identity], *job.request, job.received, r.status, r.code, r.message, std::move(r.data));
    }
}

void Agent::finish_nagios() {
    if (m_nagios_running.empty()) {
        return;
    }
    std::vector<nagios::Finished> done;
    m_nagios_runner->poll(0, done);
    for (nagios::Finished& f : done) {
        auto found = m_nagios_running.find(f.token);
        if (found == m_nagios_running.end()) {
            continue;
        }
        Job job = std::move(found->second);
        m_nagios_running.erase(found);
        const Json* check = job.request->inputs.find("check");
        State timeout_state = State::critical;
        for (const nagios::CheckDef& c : m_nagios.checks) {
            if (check != nullptr && c.name == check->as_string() && c.timeout_state) {
                timeout_state = *c.timeout_state;
            }
        }
        nagios::Verdict verdict = nagios::judge(f.record.end, f.record.out, f.record.err, timeout_state);
        Json data = Json::object();
        data.set("check", check != nullptr ? *check : Json());
        data.set("state", Json(state_name(verdict.state)));
        data.set("code", Json(severity_of(verdict.state)));
        data.set("output", Json(verdict.message));
        if (!verdict.output.long_output.empty()) {
            data.set("long_output", Json(sanitize_utf8(verdict.output.long_output)));
        }
        data.set("duration", Json(f.record.duration));
        reply(m_identities[job.identity], *job.request, job.received, "ok", severity_of(verdict.state), verdict.message,
              std::move(data));
    }
}

int Agent::run() {
    double next_register = steady_now();
    std::vector<pollfd> fds;
    while (!signals::stop_requested()) {
        if (signals::take_reload()) {
            reload();
        }
        if (steady_now() >= next_register) {
            register_all();
            next_register = steady_now() + m_config.register_interval;
        }
        start_jobs();
        fds.clear();
        fds.push_back(pollfd{m_reader->poll_fd(), POLLIN, 0});
        fds.push_back(pollfd{m_registration->poll_fd(), POLLIN, 0});
        for (const auto& [topic, sink] : m_reply_sinks) {
            fds.push_back(pollfd{sink->poll_fd(), POLLIN, 0});
        }
        m_children.add_poll_fds(fds);
        int limit = static_cast<int>((next_register - steady_now()) * 1000) + 1;
        limit = std::max(0, std::min(limit, 1000));
        if (!m_nagios_running.empty()) {
            limit = std::min(limit, 20);  // the runner's descriptors are its own: look often
        }
        if (m_backlog) {
            limit = 0;  // the last round stopped with messages still queued
        }
        signals::poll(fds.data(), fds.size(), m_children.poll_timeout_ms(limit));
        m_children.service(fds);
        finish_children();
        finish_nagios();
        m_registration->service();
        for (auto& [topic, sink] : m_reply_sinks) {
            sink->service();
        }
        KafkaReader::Message message;
        m_backlog = true;
        for (int n = 0; n < 10000; ++n) {
            if (m_reader->next(message, 0) != KafkaReader::Status::message) {
                m_backlog = false;
                break;
            }
            handle(message);
        }
    }
    // Stopping: what runs is stopped, each gets its reply, and what was
    // produced reaches the brokers.
    m_children.shutdown(2);
    finish_children();
    m_nagios_runner->shutdown(0.5);
    for (auto& [token, job] : m_nagios_running) {
        reply(m_identities[job.identity], *job.request, job.received, "failed", 3, "the agent stopped", Json::object());
    }
    m_nagios_running.clear();
    for (const Job& job : m_queue) {
        reply(m_identities[job.identity], *job.request, job.received, "failed", 1, "the agent stopped", Json::object());
    }
    int code = exit_code::k_ok;
    for (auto& [topic, sink] : m_reply_sinks) {
        if (auto r = sink->flush(); !r) {
            m_diag.error(fmt::format("replies to {}: {}", topic, r.error()));
            code = exit_code::k_io;
        }
    }
    if (auto r = m_registration->flush(); !r) {
        m_diag.error(fmt::format("registration: {}", r.error()));
    }
    return code;
}

int run_agent(const AgentOptions& options, Diagnostics& diag) {
    auto config = load_agent_config(options.config_path);
    if (!config) {
        diag.error(config.error());
        return exit_code::k_usage;
    }
    Agent agent(std::move(*config), options, diag);
    int code = agent.start();
    if (code >= 0) {
        return code;
    }
    return agent.run();
}

}  // namespace ev::rpc
