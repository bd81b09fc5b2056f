#include "rpc/actions.h"

#include <dirent.h>

#include <algorithm>

#include <fmt/format.h>

#include "core/escape.h"
#include "core/text.h"
#include "core/utf8.h"
#include "rpc/facts.h"

namespace ev::rpc {

namespace {

Action builtin(Action::Kind kind, std::string agent, std::string action, std::string description) {
    Action a;
    a.kind = kind;
    a.schema.agent = std::move(agent);
    a.schema.action = std::move(action);
    a.schema.description = std::move(description);
    return a;
}

Action ping() {
    Action a = builtin(Action::Kind::ping, "rpcutil", "ping", "Answers with the agent's time");
    a.schema.outputs.push_back({"pong", "the agent's clock, Unix seconds", OutputSpec::Aggregate::none});
    return a;
}

Action inventory() {
    Action a = builtin(Action::Kind::inventory, "rpcutil", "inventory", "The node's facts, classes and actions");
    a.schema.outputs.push_back({"facts", "facts", OutputSpec::Aggregate::none});
    a.schema.outputs.push_back({"classes", "classes", OutputSpec::Aggregate::none});
    a.schema.outputs.push_back({"agents", "actions and their schemas", OutputSpec::Aggregate::none});
    return a;
}

Action nagios_run() {
    Action a = builtin(Action::Kind::nagios_run, "nagios", "run",
                       "Runs a check the node's evsrc-nagios configuration defines, by name");
    InputSpec check;
    check.name = "check";
    check.required = true;
    check.description = "the check's name in the evsrc-nagios configuration";
    check.regex = "[A-Za-z0-9_][A-Za-z0-9_.:-]*";
    check.max_length = 255;
    a.schema.inputs.push_back(check);
    a.schema.outputs.push_back({"state", "ok, warning, critical or unknown", OutputSpec::Aggregate::summary});
    a.schema.outputs.push_back({"output", "the plugin's first line", OutputSpec::Aggregate::none});
    return a;
}

std::string key_of(std::string_view agent, std::string_view action) {
    return fmt::format("{}.{}", agent, action);
}

}  // namespace

ActionSet ActionSet::ping_only() {
    ActionSet set;
    set.m_actions.emplace("rpcutil.ping", ping());
    return set;
}

Result<ActionSet> ActionSet::load(const std::string& dir, bool with_nagios) {
    ActionSet set;
    for (Action a : {ping(), inventory()}) {
        set.m_actions.emplace(key_of(a.schema.agent, a.schema.action), std::move(a));
    }
    if (with_nagios) {
        set.m_actions.emplace("nagios.run", nagios_run());
    }
    if (dir.empty()) {
        return set;
    }
    DIR* d = ::opendir(dir.c_str());
    if (d == nullptr) {
        return make_error(fmt::format("{}: cannot read the actions directory", dir));
    }
    std::vector<std::string> names;
    while (dirent* e = ::readdir(d)) {
        std::string name = e->d_name;
        if (name.size() > 5 && name.compare(name.size() - 5, 5, ".json") == 0 && name[0] != '.') {
            names.push_back(name);
        }
    }
    ::closedir(d);
    std::sort(names.begin(), names.end());
    for (const std::string& name : names) {
        std::string stem = name.substr(0, name.size() - 5);
        std::size_t dot = stem.find('.');
        std::string path = dir + "/" + name;
        if (dot == std::string::npos || !is_action_name(stem.substr(0, dot)) || !is_action_name(stem.substr(dot + 1))) {
            return make_error(fmt::format("{}: the name is not AGENT.ACTION.json ([a-z][a-z0-9_]* each)", path));
        }
        std::string agent = stem.substr(0, dot);
        std::string action = stem.substr(dot + 1);
        if (agent == "rpcutil" || (agent == "nagios" && action == "run")) {
            return make_error(fmt::format("{}: {} is built in", path, stem));
        }
        auto text = read_text_file_at_most(path, 1 << 20);
        if (!text) {
            return std::move(text).take_error();
        }
        auto schema = parse_schema(*text, agent, action);
        if (!schema) {
            return make_error(fmt::format("{}: {}", path, schema.error()));
        }
        if (schema->command.empty()) {
            return make_error(fmt::format("{}: no command", path));
        }
        if (schema->command[0].front() != '/') {
            schema->command[0] = dir + "/" + schema->command[0];
        }
        Action a;
        a.schema = std::move(*schema);
        set.m_actions.emplace(stem, std::move(a));
    }
    return set;
}

const Action* ActionSet::find(std::string_view agent, std::string_view action) const {
    auto found = m_actions.find(key_of(agent, action));
    return found == m_actions.end() ? nullptr : &found->second;
}

std::map<std::string, std::vector<std::string>> ActionSet::agents() const {
    std::map<std::string, std::vector<std::string>> out;
    for (const auto& [key, a] : m_actions) {
        out[a.schema.agent].push_back(a.schema.action);
    }
    return out;
}

Json ActionSet::schemas() const {
    Json out = Json::object();
    for (const auto& [key, a] : m_actions) {
        Json* agent = out.find(a.schema.agent);
        if (agent == nullptr) {
            agent = &out.set(a.schema.agent, Json::object());
        }
        agent->set(a.schema.action, schema_to_json(a.schema));
    }
    return out;
}

ChildSpec action_child(const Action& action, const Request& request, std::string_view caller_name,
                       std::string_view agent_id, std::size_t max_output) {
    ChildSpec spec;
    spec.spawn.argv = action.schema.command;
    spec.spawn.inherit_env = false;
    spec.spawn.env = {"PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
                      "LC_ALL=C",
                      fmt::format("EVRPC_REQUEST={}", request.id),
                      fmt::format("EVRPC_CALLER={}", caller_name),
                      fmt::format("EVRPC_AGENT_ID={}", agent_id),
                      fmt::format("EVRPC_ACTION={}.{}", request.agent, request.action)};
    spec.spawn.stdin_mode = StdinMode::bytes;
    spec.spawn.stdin_bytes = to_canonical(request.inputs) + "\n";
    spec.spawn.stdout_mode = OutputMode::capture;
    spec.spawn.stderr_mode = OutputMode::capture;
    spec.stdout_cap = max_output;
    spec.stderr_cap = 16 * 1024;
    spec.keep = Keep::head;
    spec.timeout = action.schema.timeout;
    spec.kill_grace = 2;
    spec.leftovers = Leftovers::kill;
    spec.report_at_timeout = true;
    return spec;
}

void action_result(const ChildResult& result, double timeout, Reply& reply) {
    auto last_line = [](std::string_view text) {
        while (!text.empty() && (text.back() == '\n' || text.back() == '\r')) {
            text.remove_suffix(1);
        }
        std::size_t nl = text.find_last_of('\n');
        return std::string(nl == std::string_view::npos ? text : text.substr(nl + 1));
    };
    reply.data = Json::object();
    if (result.ending == Ending::failed_to_start) {
        reply.status = "failed";
        reply.code = result.exit_code;
        reply.message = result.error;
        return;
    }
    if (result.timed_out || result.ending == Ending::abandoned) {
        reply.status = "failed";
        reply.code = 124;
        reply.message = fmt::format("timed out after {}s", timeout);
        return;
    }
    if (result.ending != Ending::exited) {
        reply.status = "failed";
        reply.code = 128 + result.signal;
        reply.message = describe(result);
        return;
    }
    reply.code = result.exit_code;
    reply.status = result.exit_code == 0 ? "ok" : "failed";
    std::string_view out = result.out;
    while (!out.empty() && (out.back() == '\n' || out.back() == '\r' || out.back() == ' ')) {
        out.remove_suffix(1);
    }
    auto data = out.empty() ? Result<Json>(Json::object()) : parse_json(out);
    if (!data || !data->is_object() || result.out_truncated) {
        reply.status = "failed";
        if (reply.code == 0) {
            reply.code = 1;
        }
        reply.message = result.out_truncated ? "the action's output is longer than max_output"
                                             : "the action's output is not a JSON object";
        reply.data.set("stdout", Json(sanitize_utf8(std::string_view(result.out).substr(0, 1024))));
        return;
    }
    reply.data = std::move(*data);
    if (const Json* m = reply.data.find("message"); m != nullptr && m->is_string()) {
        reply.message = m->as_string();
    } else if (result.exit_code != 0) {
        reply.message = sanitize_utf8(last_line(result.err));
        if (reply.message.empty()) {
            reply.message = describe(result);
        }
    }
}

}  // namespace ev::rpc
