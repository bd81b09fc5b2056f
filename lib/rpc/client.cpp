#include "rpc/client.h"

#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <memory>

#include <fmt/format.h>

#include "core/aggregate_check.h"
#include "core/cli.h"
#include "core/clock.h"
#include "core/diag.h"
#include "core/duration.h"
#include "core/escape.h"
#include "core/exit_code.h"
#include "core/host_list.h"
#include "core/signals.h"
#include "core/text.h"
#include "core/writer.h"
#include "rpc/actions.h"
#include "rpc/batch.h"
#include "rpc/call.h"
#include "rpc/config.h"
#include "rpc/discovery.h"
#include "rpc/report.h"

namespace ev::rpc {

namespace {

/// Exit code of call and ping when a node failed, refused or did not answer.
constexpr int k_some_failed = exit_code::k_no_match;

enum class Command { call, ping, nagios };

// Everything the three subcommands read from their command lines.
struct ClientOptions {
    Command command = Command::call;
    std::string target;             // call: AGENT.ACTION; nagios: CHECK
    std::vector<std::string> args;  // call: key=value inputs
    std::vector<std::string> facts, classes, identity, agents;
    std::string select;
    std::string nodes;
    std::string discover = "auto";
    double discovery_timeout = 2;
    double registration_window = 86400;
    std::size_t batch = 0;
    double batch_sleep = 0;
    std::string limit;
    double ttl = 60;
    double timeout = 10;
    bool json = false;
    std::string display = "failed";
    bool graph = false;
    std::string key_path;
    std::string known_agents;
    bool strict_pins = false;
    std::string actions_dir;
    std::string request_topic = std::string(k_default_request_topic);
    std::string reply_topic = std::string(k_default_reply_topic);
    std::string registration_topic = std::string(k_default_registration_topic);
    std::string warn_count, crit_count;
    std::size_t max_list = 20;
    KafkaOptions kafka;
};

void write_out(std::string_view text) {
    Writer out(1);
    out.buffer() = std::string(text);
    (void)out.flush();
}

std::string default_key_path() {
    if (const char* env = std::getenv("EVRPC_KEY"); env != nullptr && env[0] != '\0') {
        return env;
    }
    if (const char* config = std::getenv("XDG_CONFIG_HOME"); config != nullptr && config[0] == '/') {
        return std::string(config) + "/evrpc/caller.key";
    }
    if (const char* home = std::getenv("HOME"); home != nullptr && home[0] == '/') {
        return std::string(home) + "/.config/evrpc/caller.key";
    }
    return {};
}

void add_common(CLI::App& cmd, ClientOptions& o) {
    cmd.add_option("-F,--fact", o.facts, "Only nodes whose fact compares so: FACT=VALUE, != < > <= >= =~ (repeatable)")
        ->type_name("FACT[OP]VALUE")
        ->allow_extra_args(false);
    cmd.add_option("-C,--class", o.classes, "Only nodes that have this class, or one matching /REGEX/ (repeatable)")
        ->type_name("CLASS")
        ->allow_extra_args(false);
    cmd.add_option("-I,--identity", o.identity,
                   "Only this node (host name or agent id, or /REGEX/); repeated: any of them")
        ->type_name("ID")
        ->allow_extra_args(false);
    cmd.add_option("-A,--agent", o.agents, "Only nodes that offer this agent (repeatable)")
        ->type_name("AGENT")
        ->allow_extra_args(false);
    cmd.add_option("-S,--select", o.select, "Only nodes whose facts pass this expression (docs/expressions.md)")
        ->type_name("EXPR");
    cmd.add_option("--nodes", o.nodes, "Call exactly these nodes (a host list; - reads stdin), report the silent")
        ->type_name("FILE");
    cmd.add_option("--discover", o.discover,
                   "Where nodes come from without --nodes or stdin data: auto (registrations, else broadcast), "
                   "registration, broadcast, or state:FILE (an evstatus state)")
        ->type_name("SOURCE");
    add_duration_option(cmd, "--discovery-timeout", o.discovery_timeout,
                        "How long broadcast discovery waits for answers, and registration reading at most (2s)");
    add_duration_option(cmd, "--registration-window", o.registration_window,
                        "How far back registrations are read (1d)");
    cmd.add_option("--batch", o.batch, "Call this many nodes at a time (default: all at once)")->type_name("N");
    add_duration_option(cmd, "--batch-sleep", o.batch_sleep, "Pause between batches (0)");
    cmd.add_option("--limit", o.limit, "Call only this many of the nodes found, or this percentage")->type_name("N|P%");
    add_duration_option(cmd, "--ttl", o.ttl, "How long the request stays valid for agents (60s)");
    add_duration_option(cmd, "--timeout", o.timeout,
                        "How long to wait for replies, per batch; the first batch's includes discovery (10s)");
    cmd.add_option("--key", o.key_path, "The caller's secret key (default $EVRPC_KEY, else ~/.config/evrpc/caller.key)")
        ->type_name("FILE");
    cmd.add_option("--known-agents", o.known_agents,
                   "Pinned agent keys, HOST FINGERPRINT lines (default ~/.local/state/evrpc/known_agents)")
        ->type_name("FILE");
    cmd.add_flag("--strict-pins", o.strict_pins, "Refuse replies from hosts not in the known-agents file");
    cmd.add_option("--actions", o.actions_dir,
                   "Action schemas (AGENT.ACTION.json): type and check inputs, aggregate outputs")
        ->type_name("DIR");
    cmd.add_option("--request-topic", o.request_topic, "Topic requests go to (evrpc.requests)")->type_name("TOPIC");
    cmd.add_option("--reply-topic", o.reply_topic, "Topic replies come back on (evrpc.replies)")->type_name("TOPIC");
    cmd.add_option("--registration-topic", o.registration_topic, "Topic agents register on (evrpc.registrations)")
        ->type_name("TOPIC");
    add_kafka_options(cmd, o.kafka);
}

void add_output(CLI::App& cmd, ClientOptions& o) {
    cmd.add_flag("--json", o.json, "One status event per reply and per silent node (the default off a terminal)");
    add_choice_option(cmd, "--display", o.display, {"failed", "ok", "all"}, "Which replies a terminal shows (failed)");
    cmd.add_flag("--graph", o.graph, "Show a histogram of response times on a terminal");
}

// key=value (a string, or typed by the action's schema) or key:=JSON.
Result<Json> parse_inputs(const std::vector<std::string>& args, const ActionSchema* schema) {
    Json inputs = Json::object();
    for (const std::string& arg : args) {
        std::size_t eq = arg.find('=');
        if (eq == std::string::npos || eq == 0) {
            return make_error(fmt::format("bad input '{}': expected KEY=VALUE or KEY:=JSON", escape_prefix(arg)));
        }
        bool raw = arg[eq - 1] == ':';
        std::string key = arg.substr(0, raw ? eq - 1 : eq);
        std::string text = arg.substr(eq + 1);
        if (key.empty()) {
            return make_error(fmt::format("bad input '{}': no key", escape_prefix(arg)));
        }
        Json value;
        const InputSpec* spec = nullptr;
        if (schema != nullptr) {
            for (const InputSpec& s : schema->inputs) {
                spec = s.name == key ? &s : spec;
            }
        }
        if (raw) {
            auto parsed = parse_json(text);
            if (!parsed) {
                return make_error(fmt::format("input {}: not JSON: {}", escape_prefix(key), parsed.error()));
            }
            value = std::move(*parsed);
        } else if (spec != nullptr) {
            auto typed = input_value(*spec, text);
            if (!typed) {
                return std::move(typed).take_error();
            }
            value = std::move(*typed);
        } else {
            value = Json(text);
        }
        inputs.set(key, std::move(value));
    }
    if (schema != nullptr) {
        if (auto valid = validate_inputs(*schema, inputs); !valid) {
            return std::move(valid).take_error();
        }
    }
    return inputs;
}

class Client {
public:
    Client(const ClientOptions& o, Diagnostics& diag) : m_o(o), m_diag(diag) {}
    int run();

private:
    Result<std::optional<std::vector<Target>>> listed();
    Result<std::vector<Target>> discover(Caller& caller, const Filter& filter, const std::string& agent,
                                         const std::string& action);
    int report_nagios(const std::vector<Outcome>& outcomes, double elapsed_s);

    const ClientOptions& m_o;
    Diagnostics& m_diag;
    double m_start = steady_now();
    bool m_discovery_used_stdin = false;
};

Result<std::optional<std::vector<Target>>> Client::listed() {
    // A host list: --nodes FILE, or stdin when it carries data.
    if (!m_o.nodes.empty()) {
        auto list = read_host_list(m_o.nodes);
        if (!list) {
            return std::move(list).take_error();
        }
        return std::optional(targets_of(*list));
    }
    if (stdin_carries_data()) {
        auto text = read_all_fd(0, "stdin");
        if (!text) {
            return std::move(text).take_error();
        }
        if (text->find_first_not_of(" \t\r\n") != std::string::npos) {
            auto list = parse_host_list(*text, "stdin");
            if (!list) {
                return std::move(list).take_error();
            }
            return std::optional(targets_of(*list));
        }
        // An empty stdin (cron, systemd) falls back to the configured discovery.
    }
    return std::optional<std::vector<Target>>();
}

Result<std::vector<Target>> Client::discover(Caller& caller, const Filter& filter, const std::string& agent,
                                             const std::string& action) {
    // The client-side filter also asks that the node offers the action.
    Filter local = filter;
    local.agents.push_back(agent);
    auto matcher = Matcher::compile(local);
    if (!matcher) {
        return std::move(matcher).take_error();
    }
    // 2. An evstatus state: hosts only, so only -I narrows them here; the
    // agents apply the rest of the filter themselves.
    if (m_o.discover.rfind("state:", 0) == 0) {
        auto targets = read_status_state(m_o.discover.substr(6));
        if (!targets) {
            return std::move(targets).take_error();
        }
        Filter by_identity;
        by_identity.identity = filter.identity;
        auto id_matcher = Matcher::compile(by_identity);
        std::vector<Target> out;
        for (const Target& t : *targets) {
            Node n;
            n.host = t.host;
            if (id_matcher && id_matcher->matches(n)) {
                out.push_back(t);
            }
        }
        return out;
    }
    // 3. The registration topic.
    if (m_o.discover == "registration" || m_o.discover == "auto") {
        auto registry = read_registration_topic(m_o.kafka, m_o.registration_topic, m_o.registration_window,
                                                m_o.discovery_timeout, m_diag);
        if (!registry && m_o.discover == "registration") {
            return std::move(registry).take_error();
        }
        if (registry) {
            std::vector<Node> alive = registry->alive(wall_clock().now());
            if (!alive.empty() || m_o.discover == "registration") {
                return select_nodes(alive, *matcher);
            }
        }
        m_diag.error(
            fmt::format("discovery: no live registration on {}; discovering by broadcast", m_o.registration_topic));
    } else if (m_o.discover != "broadcast") {
        return make_error(fmt::format("--discover: unknown source '{}' (auto, registration, broadcast, state:FILE)",
                                      escape_prefix(m_o.discover)));
    }
    // 4. Broadcast: a ping with the filter; who answers in time is there.
    Request ping = caller.make_request("rpcutil", "ping", Json::object(), local);
    auto answered = caller.call(ping, {}, true, steady_now() + m_o.discovery_timeout, {}, {});
    if (!answered) {
        return std::move(answered).take_error();
    }
    std::vector<Target> out;
    for (const Outcome& o : *answered) {
        out.push_back(o.target);
    }
    std::sort(out.begin(), out.end(), [](const Target& a, const Target& b) {
        return a.host != b.host ? a.host < b.host : a.agent_id < b.agent_id;
    });
    return out;
}

int Client::report_nagios(const std::vector<Outcome>& outcomes, double elapsed_s) {
    AggregateCheck check;
    check.label = m_o.target;
    check.max_list = m_o.max_list;
    check.nothing_matched = "no nodes match";
    check.verdict_first = true;
    if (!m_o.warn_count.empty()) {
        auto t = parse_threshold(m_o.warn_count);
        if (!t) {
            m_diag.error(fmt::format("--warn-count: {}", t.error()));
            return exit_code::k_usage;
        }
        check.warn = *t;
    }
    if (!m_o.crit_count.empty()) {
        auto t = parse_threshold(m_o.crit_count);
        if (!t) {
            m_diag.error(fmt::format("--crit-count: {}", t.error()));
            return exit_code::k_usage;
        }
        check.crit = *t;
    }
    std::string seconds;
    write_number(std::round(elapsed_s * 1000) / 1000, seconds);
    check.perfdata = {{"checktime", seconds + "s"}};
    std::vector<CheckItem> items;
    for (const Outcome& o : outcomes) {
        std::string host = o.target.host.empty() ? o.target.agent_id : o.target.host;
        items.push_back({host, std::nullopt, o.reply ? state_of(*o.reply) : State::unknown});
    }
    CheckOutput out = format_aggregate_check(check, items);
    write_out(out.text);
    return out.code;
}

int Client::run() {
    // The action and its inputs.
    std::string agent, action;
    Json inputs = Json::object();
    if (m_o.command == Command::ping) {
        agent = "rpcutil";
        action = "ping";
    } else if (m_o.command == Command::nagios) {
        agent = "nagios";
        action = "run";
        inputs.set("check", Json(m_o.target));
    } else {
        std::size_t dot = m_o.target.find('.');
        agent = m_o.target.substr(0, dot);
        action = dot == std::string::npos ? std::string() : m_o.target.substr(dot + 1);
        if (!is_action_name(agent) || !is_action_name(action)) {
            m_diag.error(fmt::format("expected AGENT.ACTION, not '{}'", escape_prefix(m_o.target)));
            return exit_code::k_usage;
        }
    }
    auto actions = ActionSet::load(m_o.actions_dir, true);
    if (!actions) {
        m_diag.error(fmt::format("--actions: {}", actions.error()));
        return exit_code::k_usage;
    }
    const Action* known_action = actions->find(agent, action);
    const ActionSchema* schema = known_action != nullptr ? &known_action->schema : nullptr;
    if (m_o.command == Command::call) {
        auto parsed = parse_inputs(m_o.args, schema);
        if (!parsed) {
            m_diag.error(parsed.error());
            return exit_code::k_usage;
        }
        inputs = std::move(*parsed);
    }

    // The filter.
    Filter filter;
    for (const std::string& f : m_o.facts) {
        auto test = parse_fact_test(f);
        if (!test) {
            m_diag.error(test.error());
            return exit_code::k_usage;
        }
        filter.facts.push_back(*test);
    }
    filter.classes = m_o.classes;
    filter.identity = m_o.identity;
    filter.agents = m_o.agents;
    filter.expr = m_o.select;
    if (auto m = Matcher::compile(filter); !m) {
        m_diag.error(m.error());
        return exit_code::k_usage;
    }
    std::optional<Limit> limit;
    if (!m_o.limit.empty()) {
        auto l = parse_limit(m_o.limit);
        if (!l) {
            m_diag.error(fmt::format("--limit: {}", l.error()));
            return exit_code::k_usage;
        }
        limit = *l;
    }
    if (m_o.ttl <= 0 || m_o.timeout <= 0) {
        m_diag.error("--ttl and --timeout must be positive");
        return exit_code::k_usage;
    }

    if (m_o.kafka.dump) {
        for (KafkaRole role : {KafkaRole::consumer, KafkaRole::producer}) {
            auto conf = make_kafka_conf(m_o.kafka, role);
            if (!conf) {
                m_diag.error(conf.error());
                return exit_code::k_usage;
            }
            dump_kafka_conf(*conf, role);
        }
        return exit_code::k_ok;
    }
    // Keys and pins.
    std::string key_path = m_o.key_path.empty() ? default_key_path() : m_o.key_path;
    if (key_path.empty()) {
        m_diag.error("no caller key: give --key FILE (make one with evrpc keygen FILE)");
        return exit_code::k_usage;
    }
    auto key = load_key(key_path);
    if (!key) {
        m_diag.error(fmt::format("{} (make a key with evrpc keygen FILE)", key.error()));
        return exit_code::k_usage;
    }
    auto known = KnownAgents::load(m_o.known_agents.empty() ? default_known_agents_path() : m_o.known_agents);
    if (!known) {
        m_diag.error(known.error());
        return exit_code::k_usage;
    }

    // A host list is read before Kafka is touched: its errors are the operator's.
    auto listed_targets = listed();
    if (!listed_targets) {
        m_diag.error(fmt::format("discovery: {}", listed_targets.error()));
        return exit_code::k_usage;
    }

    CallSettings settings;
    settings.kafka = m_o.kafka;
    settings.request_topic = m_o.request_topic;
    settings.reply_topic = m_o.reply_topic;
    settings.key = *key;
    settings.ttl = m_o.ttl;
    settings.known = &*known;
    settings.pin_new = !m_o.strict_pins;
    auto caller = Caller::open(settings, m_diag);
    if (!caller) {
        m_diag.error(caller.error());
        return exit_code::k_io;
    }

    auto targets = *listed_targets ? Result<std::vector<Target>>(std::move(**listed_targets))
                                   : discover(**caller, filter, agent, action);
    if (!targets) {
        m_diag.error(fmt::format("discovery: {}", targets.error()));
        return exit_code::k_io;
    }
    std::vector<std::vector<Target>> batches = plan_batches(std::move(*targets), limit, m_o.batch);

    const bool json = m_o.command != Command::nagios && (m_o.json || ::isatty(1) == 0);
    const bool progress = m_o.command != Command::nagios && !json && ::isatty(1) != 0;
    std::size_t total = 0;
    for (const auto& b : batches) {
        total += b.size();
    }
    std::vector<Outcome> all;
    std::size_t done_before = 0;
    bool interrupted = false;
    std::size_t not_called = 0;
    IdGenerator ids;
    Writer out(1);
    std::string name = agent + "." + action;
    for (std::size_t i = 0; i < batches.size(); ++i) {
        if (i > 0 && m_o.batch_sleep > 0) {
            signals::sleep_ms(static_cast<int>(m_o.batch_sleep * 1000));
        }
        if (signals::stop_requested() || out.ended()) {
            interrupted = signals::stop_requested();
            for (std::size_t j = i; j < batches.size(); ++j) {
                not_called += batches[j].size();
            }
            break;
        }
        // The first batch's timeout counts from the start: it includes discovery.
        double deadline = (i == 0 ? m_start : steady_now()) + m_o.timeout;
        Request request = (*caller)->make_request(agent, action, inputs, filter);
        auto on_reply = [&](const Outcome& o) {
            if (json) {
                append_outcome_event(o, name, request.id, m_o.timeout, wall_clock().now(), ids, out.buffer());
                out.end_line();
                (void)out.flush();
            }
        };
        auto tick = [&](std::size_t answered, std::size_t) {
            if (progress) {
                write_out(progress_line(done_before + answered, total));
            }
        };
        auto outcomes = (*caller)->call(request, batches[i], false, deadline, on_reply, tick);
        if (!outcomes) {
            m_diag.error(outcomes.error());
            return exit_code::k_io;
        }
        for (Outcome& o : *outcomes) {
            if (!o.reply && json) {
                append_outcome_event(o, name, request.id, m_o.timeout, wall_clock().now(), ids, out.buffer());
                out.end_line();
            }
            all.push_back(std::move(o));
        }
        (void)out.flush();
        done_before += batches[i].size();
        if (signals::stop_requested()) {
            interrupted = true;
            for (std::size_t j = i + 1; j < batches.size(); ++j) {
                not_called += batches[j].size();
            }
            break;
        }
    }
    if (progress) {
        write_out("\r\x1b[K");
    }
    if (auto saved = known->save(); !saved) {
        m_diag.error(fmt::format("known agents: {}", saved.error()));
    }
    double elapsed = steady_now() - m_start;
    if (interrupted) {
        m_diag.error(fmt::format("interrupted: {} of {} nodes were not called", not_called, total));
    }
    if (m_o.command == Command::nagios) {
        return report_nagios(all, elapsed);
    }
    if (!json) {
        Summary s;
        s.outcomes = all;
        s.name = name;
        s.elapsed_ms = elapsed * 1000;
        s.display = m_o.display == "ok" ? Display::ok : m_o.display == "all" ? Display::all : Display::failed;
        s.graph = m_o.graph;
        if (schema != nullptr) {
            s.outputs = schema->outputs;
        }
        s.interrupted = interrupted;
        s.not_called = not_called;
        write_out(format_summary(s));
    }
    if (total == 0) {
        m_diag.error("no nodes match");
        return k_some_failed;
    }
    bool all_ok = !interrupted;
    for (const Outcome& o : all) {
        all_ok = all_ok && o.reply && o.reply->status == "ok" && state_of(*o.reply) == State::ok;
    }
    return all_ok ? exit_code::k_ok : k_some_failed;
}

}  // namespace

std::function<std::optional<int>()> add_client_commands(CLI::App& app) {
    auto options = std::make_shared<std::array<ClientOptions, 3>>();
    auto& [call_o, ping_o, nagios_o] = *options;
    call_o.command = Command::call;
    ping_o.command = Command::ping;
    nagios_o.command = Command::nagios;

    CLI::App* call = app.add_subcommand("call", "Call AGENT.ACTION on the nodes the filters select");
    call->add_option("ACTION", call_o.target, "AGENT.ACTION")->required();
    call->add_option("INPUT", call_o.args, "The action's inputs, KEY=VALUE or KEY:=JSON");
    add_common(*call, call_o);
    add_output(*call, call_o);

    CLI::App* ping = app.add_subcommand("ping", "Ping the nodes the filters select (rpcutil.ping)");
    add_common(*ping, ping_o);
    add_output(*ping, ping_o);

    CLI::App* nagios = app.add_subcommand(
        "nagios", "Run a check everywhere it matches (nagios.run) and print one aggregate Nagios line");
    nagios->add_option("CHECK", nagios_o.target, "The check's name in the nodes' evsrc-nagios configuration")
        ->required();
    add_common(*nagios, nagios_o);
    nagios->add_option("--warn-count", nagios_o.warn_count, "WARNING when this many nodes are non-OK")
        ->type_name("N|N%");
    nagios->add_option("--crit-count", nagios_o.crit_count, "CRITICAL when this many nodes are non-OK")
        ->type_name("N|N%");
    nagios->add_option("--max-list", nagios_o.max_list, "List at most N nodes per state (20; 0: all)")->type_name("N");

    return [options, call, ping, nagios]() -> std::optional<int> {
        Diagnostics diag("evrpc");
        for (auto [cmd, i] : {std::pair{call, 0}, std::pair{ping, 1}, std::pair{nagios, 2}}) {
            if (cmd->parsed()) {
                Client client((*options)[static_cast<std::size_t>(i)], diag);
                return client.run();
            }
        }
        return std::nullopt;
    };
}

}  // namespace ev::rpc
