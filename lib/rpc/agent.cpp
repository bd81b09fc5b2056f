// The agent's life: start, SIGHUP reload, the event loop, stopping.
#include "rpc/agent.h"

#include <fcntl.h>
#include <poll.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include <fmt/format.h>

#include "core/clock.h"
#include "core/exit_code.h"
#include "core/host.h"
#include "core/notify.h"
#include "core/signals.h"
#include "rpc/agent_internal.h"

namespace ev::rpc {

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
    // Its own events are about the host its registrations name.
    if (!self_subject_set() && !m_config.host.empty()) {
        set_self_subject(m_config.host);
    }
    if (!m_kafka.self_to.empty()) {
        if (auto routed = route_self_status(m_kafka.self_to); !routed) {
            m_diag.error(routed.error());
            return exit_code::k_usage;
        }
    }
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
    make_identities(std::move(*key), std::move(base));
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
    auto loaded = load_node_files(base);
    if (loaded) {
        loaded = load_policy_and_actions();
    }
    if (!loaded) {
        std::string why = fmt::format("reload: {}; keeping the old configuration", loaded.error());
        m_diag.error(why);
        write_self(m_reload_status.failed(why));
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
    write_self(m_reload_status.succeeded());
    register_all();
}

void Agent::register_stats() {
    m_stats.add("requests", m_requests);
    m_stats.add("queued", [this] { return static_cast<uint64_t>(m_queue.size()); });
    m_stats.add("running", [this] { return static_cast<uint64_t>(m_running.size() + m_nagios_running.size()); });
    m_stats.add("identities", [this] { return static_cast<uint64_t>(m_identities.size()); });
}

// The agent's own events go among its registrations (where its Kafka
// self-status goes too), or to --self-to.
void Agent::write_self(std::string_view line) {
    write_self_status(line, [this](std::string_view l) { m_registration->write_line(l); });
}

int Agent::run() {
    double next_register = steady_now();
    std::vector<pollfd> fds;
    register_stats();
    m_stats.start(m_options.stats_interval);
    notify::ready();
    auto write_stats = [this] { m_stats.emit([this](std::string_view line) { m_registration->write_line(line); }); };
    while (!signals::stop_requested()) {
        if (signals::take_reload()) {
            reload();
        }
        if (m_stats.due()) {
            write_stats();
            write_self(m_reload_status.repeat());
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
        signals::poll(fds.data(), fds.size(), m_stats.wait_ms(m_children.poll_timeout_ms(limit)));
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
    notify::stopping();
    if (m_stats.enabled()) {
        write_stats();  // the same counters once at exit
    }
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
