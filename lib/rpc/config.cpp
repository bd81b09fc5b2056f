#include "rpc/config.h"

#include <cstdlib>

#include <fmt/format.h>

#include "core/duration.h"
#include "core/escape.h"
#include "core/size.h"
#include "core/text.h"
#include "rpc/facts.h"
#include "rpc/message.h"

namespace ev::rpc {

namespace {

std::string relative_to(std::string_view file, std::string_view path) {
    if (path.empty() || path.front() == '/' || path == "-") {
        return std::string(path);
    }
    std::size_t slash = file.find_last_of('/');
    if (slash == std::string_view::npos) {
        return std::string(path);
    }
    return std::string(file.substr(0, slash + 1)) + std::string(path);
}

}  // namespace

Result<AgentConfig> parse_agent_config(std::string_view text, std::string_view file) {
    AgentConfig c;
    int number = 0;
    while (!text.empty()) {
        std::size_t nl = text.find('\n');
        std::string_view line = trim(text.substr(0, nl));
        text = nl == std::string_view::npos ? std::string_view() : text.substr(nl + 1);
        ++number;
        if (line.empty() || line.front() == '#') {
            continue;
        }
        auto fail = [&](std::string message) { return make_error(fmt::format("{}:{}: {}", file, number, message)); };
        std::size_t eq = line.find('=');
        if (eq == std::string_view::npos) {
            return fail("expected KEY = VALUE");
        }
        std::string_view key = trim(line.substr(0, eq));
        std::string value(trim(line.substr(eq + 1)));
        auto path = [&](std::string& into) {
            into = relative_to(file, value);
            return Result<void>();
        };
        auto duration = [&](double& into, bool positive) -> Result<void> {
            auto d = parse_duration(value);
            if (!d) {
                return fail(fmt::format("{}: {}", key, d.error()));
            }
            if (positive && !(*d > 0)) {
                return fail(fmt::format("{}: must be above zero", key));
            }
            into = *d;
            return {};
        };
        auto count = [&](std::size_t& into) -> Result<void> {
            char* end = nullptr;
            long long n = std::strtoll(value.c_str(), &end, 10);
            if (value.empty() || *end != '\0' || n < 1 || n > 1000000) {
                return fail(fmt::format("{}: expected a whole number from 1 to 1000000", key));
            }
            into = static_cast<std::size_t>(n);
            return {};
        };
        auto topic = [&](std::string& into) -> Result<void> {
            if (!is_topic_name(value)) {
                return fail(fmt::format("{}: not a topic name: {}", key, escape_prefix(value)));
            }
            into = value;
            return {};
        };
        Result<void> r;
        if (key == "state_dir") {
            r = path(c.state_dir);
        } else if (key == "host") {
            c.host = value;
        } else if (key == "request_topic") {
            r = topic(c.request_topic);
        } else if (key == "registration_topic") {
            r = topic(c.registration_topic);
        } else if (key == "register_interval") {
            r = duration(c.register_interval, true);
        } else if (key == "facts") {
            r = path(c.facts_file);
        } else if (key == "classes") {
            r = path(c.classes_file);
        } else if (key == "actions") {
            r = path(c.actions_dir);
        } else if (key == "authorized_keys") {
            r = path(c.authorized_keys);
        } else if (key == "policy") {
            r = path(c.policy);
        } else if (key == "decision_log") {
            r = path(c.decision_log);
        } else if (key == "max_ttl") {
            r = duration(c.max_ttl, true);
        } else if (key == "skew") {
            r = duration(c.skew, false);
        } else if (key == "concurrency") {
            r = count(c.concurrency);
        } else if (key == "queue") {
            r = count(c.queue);
        } else if (key == "max_output") {
            auto s = parse_size(value);
            if (!s || *s < 1024) {
                r = fail("max_output: expected a size of at least 1K");
            } else {
                c.max_output = *s;
            }
        } else if (key == "nagios_config") {
            r = path(c.nagios_config);
        } else if (key == "nagios_resource") {
            r = path(c.nagios_resource);
        } else if (key == "nagios_plugin_dir") {
            r = path(c.nagios_plugin_dir);
        } else if (key == "brokers") {
            c.brokers = value;
        } else if (key.substr(0, 6) == "kafka." && key.size() > 6) {
            c.kafka.push_back(fmt::format("{}={}", key.substr(6), value));
        } else {
            r = fail(fmt::format("unknown key {}", escape_prefix(key)));
        }
        if (!r) {
            return std::move(r).take_error();
        }
    }
    if (c.state_dir.empty()) {
        return make_error(fmt::format("{}: state_dir is required", file));
    }
    if (c.authorized_keys.empty() || c.policy.empty()) {
        return make_error(fmt::format("{}: authorized_keys and policy are required (default deny)", file));
    }
    return c;
}

Result<AgentConfig> load_agent_config(const std::string& path) {
    auto text = read_text_file_at_most(path, 1 << 20);
    if (!text) {
        return std::move(text).take_error();
    }
    return parse_agent_config(*text, path);
}

}  // namespace ev::rpc
