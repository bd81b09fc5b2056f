// Accepted actions: the queue, the concurrency cap, the children that run
// them, nagios.run through evsrc-nagios's runner, and their replies.
#include <fmt/format.h>

#include "core/clock.h"
#include "core/utf8.h"
#include "nagios/output.h"
#include "rpc/agent_internal.h"

namespace ev::rpc {

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
        ChildSpec spec =
            action_child(job.action, *job.request, job.caller_name, who.node.agent_id, m_config.max_output);
        spec.tag = m_next_tag++;
        m_running.emplace(spec.tag, std::move(job));
        m_children.start(std::move(spec));
    }
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

}  // namespace ev::rpc
