#include "rpc/discovery.h"

#include <sys/stat.h>
#include <sys/sysmacros.h>

#include <algorithm>
#include <cmath>

#include <fmt/format.h>
#include <simdjson.h>

#include "core/clock.h"
#include "core/kafka_reader.h"
#include "core/signals.h"
#include "rpc/call.h"
#include "status/state_file.h"

namespace ev::rpc {

namespace {

std::vector<std::string> string_items(simdjson::dom::element element) {
    std::vector<std::string> out;
    simdjson::dom::array array;
    if (element.get_array().get(array) == simdjson::SUCCESS) {
        for (simdjson::dom::element item : array) {
            std::string_view s;
            if (item.get_string().get(s) == simdjson::SUCCESS) {
                out.emplace_back(s);
            }
        }
    }
    return out;
}

}  // namespace

bool is_agent_id(std::string_view text) {
    constexpr std::string_view prefix = "ed25519:";
    if (text.size() != prefix.size() + 32 || text.substr(0, prefix.size()) != prefix) {
        return false;
    }
    return std::all_of(text.begin() + prefix.size(), text.end(),
                       [](char c) { return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'); });
}

Result<Node> parse_registration(std::string_view line) {
    simdjson::dom::parser parser;
    return parse_registration(parser, line);
}

Result<Node> parse_registration(simdjson::dom::parser& parser, std::string_view line) {
    simdjson::dom::object event;
    if (parser.parse(line.data(), line.size()).get_object().get(event) != simdjson::SUCCESS) {
        return make_error("not a JSON object");
    }
    std::string_view name, subject, agent_id;
    if (event["name"].get_string().get(name) != simdjson::SUCCESS || name != k_registration_name) {
        return make_error("not an evrpc.agent registration");
    }
    if (event["subject"].get_string().get(subject) != simdjson::SUCCESS || subject.empty()) {
        return make_error("a registration without a subject");
    }
    simdjson::dom::object data;
    if (event["data"].get_object().get(data) != simdjson::SUCCESS ||
        data["agent_id"].get_string().get(agent_id) != simdjson::SUCCESS || !is_agent_id(agent_id)) {
        return make_error("a registration without data.agent_id");
    }
    Node node;
    node.host = std::string(subject);
    node.agent_id = std::string(agent_id);
    double number = 0;
    if (event["time"].get_double().get(number) == simdjson::SUCCESS && std::isfinite(number)) {
        node.time = number;
    }
    if (event["ttl"].get_double().get(number) == simdjson::SUCCESS && std::isfinite(number) && number > 0) {
        node.ttl = number;
    }
    simdjson::dom::element facts;
    if (data["facts"].get(facts) == simdjson::SUCCESS && facts.is_object()) {
        node.facts = to_json(facts);
    }
    simdjson::dom::element classes;
    if (data["classes"].get(classes) == simdjson::SUCCESS) {
        node.classes = string_items(classes);
    }
    simdjson::dom::object agents;
    if (data["agents"].get_object().get(agents) == simdjson::SUCCESS) {
        for (auto field : agents) {
            node.agents[std::string(field.key)] = string_items(field.value);
        }
    }
    return node;
}

bool Registry::add(std::string_view line) {
    auto node = parse_registration(m_parser, line);
    if (!node) {
        return false;
    }
    auto it = m_by_id.find(node->agent_id);
    if (it == m_by_id.end()) {
        m_by_id.emplace(node->agent_id, std::move(*node));
    } else if (node->time >= it->second.time) {
        it->second = std::move(*node);
    }
    return true;
}

std::vector<Node> Registry::alive(double now) const {
    std::vector<Node> out;
    for (const auto& [id, node] : m_by_id) {
        // A registration without a ttl holds until a newer one replaces it.
        if (node.ttl <= 0 || node.time + node.ttl >= now) {
            out.push_back(node);
        }
    }
    std::sort(out.begin(), out.end(), [](const Node& a, const Node& b) {
        return a.host != b.host ? a.host < b.host : a.agent_id < b.agent_id;
    });
    return out;
}

Result<Registry> read_registration_topic(const KafkaOptions& kafka, const std::string& topic, double window,
                                         double wait_s, Diagnostics& diag) {
    double now = wall_clock().now();
    auto reader =
        KafkaReader::open(interactive_kafka(kafka), topic, KafkaReader::From::time,
                          static_cast<int64_t>((now - window) * 1000), 1 << 20, diag, static_cast<int>(wait_s * 1000));
    if (!reader) {
        return std::move(reader).take_error();
    }
    Registry registry;
    double deadline = steady_now() + wait_s;
    KafkaReader::Message message;
    while (!(*reader)->caught_up()) {
        int left = static_cast<int>((deadline - steady_now()) * 1000);
        if (left <= 0) {
            diag.error(
                fmt::format("discovery: the registration topic {} was not read to its end within {} s; "
                            "using what was read",
                            topic, wait_s));
            break;
        }
        // Short waits: next() takes a partition's end in silently and goes
        // on waiting for a message, so caught_up() is asked between them.
        KafkaReader::Status status = (*reader)->next(message, std::min(left, 20));
        if (status == KafkaReader::Status::end) {
            break;
        }
        if (status == KafkaReader::Status::message && message.problem.empty() && message.time + 1 >= now - window) {
            registry.add(message.bytes);
        }
    }
    return registry;
}

Result<std::vector<Target>> read_status_state(const std::string& path) {
    auto loaded = status::load_state_file(path);
    if (!loaded) {
        return std::move(loaded).take_error();
    }
    if (!*loaded) {
        return make_error(fmt::format("state file {}: No such file or directory", path));
    }
    std::vector<Target> out;
    for (const status::SavedIdentity& id : (**loaded).identities) {
        if (id.name == k_registration_name && !id.state.expired() && id.state.state == State::ok) {
            out.push_back({id.subject, ""});
        }
    }
    std::sort(out.begin(), out.end(), [](const Target& a, const Target& b) { return a.host < b.host; });
    return out;
}

bool stdin_carries_data() {
    struct stat st {};
    if (::fstat(0, &st) != 0) {
        return false;
    }
    return S_ISFIFO(st.st_mode) || S_ISSOCK(st.st_mode) || S_ISREG(st.st_mode);
}

std::vector<Target> targets_of(const std::vector<HostListEntry>& list) {
    std::vector<Target> out;
    for (const HostListEntry& e : list) {
        if (is_agent_id(e.subject)) {
            out.push_back({"", e.subject});
        } else {
            out.push_back({e.subject, ""});
        }
    }
    return out;
}

std::vector<Target> select_nodes(const std::vector<Node>& nodes, const Matcher& matcher) {
    std::vector<Target> out;
    for (const Node& n : nodes) {
        if (matcher.matches(n)) {
            out.push_back({n.host, n.agent_id});
        }
    }
    return out;
}

}  // namespace ev::rpc
