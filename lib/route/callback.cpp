#include "route/callback.h"

#include <algorithm>
#include <cstring>
#include <map>

#include <fmt/format.h>

#include "core/duration.h"
#include "core/escape.h"
#include "core/state.h"

namespace ev::route {

namespace {

// Bytes of the UTF-8 character starting with lead (1 for a stray byte).
std::size_t char_bytes(unsigned char lead) {
    if (lead >= 0xF0 && lead <= 0xF7) {
        return 4;
    }
    if (lead >= 0xE0) {
        return lead <= 0xEF ? 3 : 1;
    }
    return lead >= 0xC0 ? 2 : 1;
}

// A value as a callback sees it: escaped (no control character, no line
// break), and at most k_env_value_bytes, cut between characters and escapes.
std::string env_value(std::string_view text) {
    std::string out;
    std::string piece;
    for (std::size_t i = 0; i < text.size();) {
        std::size_t n = std::min(char_bytes(static_cast<unsigned char>(text[i])), text.size() - i);
        piece.clear();
        append_escaped(text.substr(i, n), piece);
        if (out.size() + piece.size() > k_env_value_bytes) {
            break;
        }
        out += piece;
        i += n;
    }
    return out;
}

// The string value of a field, or "" when absent or not a string.
std::string_view string_field(simdjson::dom::element event, const char* key) {
    std::string_view value;
    if (event[key].get_string().get(value) != simdjson::SUCCESS) {
        return {};
    }
    return value;
}

// EV_TAG_ and the key, upper-cased, with every other character made '_'.
std::string tag_variable(std::string_view key) {
    std::string name = "EV_TAG_";
    for (char c : key) {
        if (c >= 'a' && c <= 'z') {
            name += static_cast<char>(c - 'a' + 'A');
        } else if ((c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_') {
            name += c;
        } else {
            name += '_';
        }
    }
    return name;
}

}  // namespace

std::vector<std::string> callback_environment(simdjson::dom::element event) {
    std::string state(string_field(event, "state"));
    if (state.empty()) {
        int64_t severity = 0;
        if (event["severity"].get_int64().get(severity) == simdjson::SUCCESS) {
            if (auto s = state_from_severity(severity)) {
                state = std::string(state_name(*s));
            }
        }
    }
    // since is a time: its number as written (a string is taken as it is).
    std::string since(string_field(event, "since"));
    simdjson::dom::element since_field;
    if (event["since"].get(since_field) == simdjson::SUCCESS && since_field.is_number()) {
        since = simdjson::to_string(since_field);
    }
    std::vector<std::string> env = {
        "EV_SUBJECT=" + env_value(string_field(event, "subject")),
        "EV_NAME=" + env_value(string_field(event, "name")),
        "EV_TYPE=" + env_value(string_field(event, "type")),
        "EV_STATE=" + env_value(state),
        "EV_PREVIOUS=" + env_value(string_field(event, "previous")),
        "EV_REASON=" + env_value(string_field(event, "reason")),
        "EV_MESSAGE=" + env_value(string_field(event, "message")),
        "EV_SINCE=" + env_value(since),
        "EV_ID=" + env_value(string_field(event, "id")),
    };
    simdjson::dom::object tags;
    if (event["tags"].get_object().get(tags) != simdjson::SUCCESS) {
        return env;
    }
    // By key in byte order, so a collision and the cap keep the same tags
    // whatever order the event lists them in.
    std::map<std::string_view, std::string_view> sorted;
    for (auto [key, value] : tags) {
        std::string_view text;
        if (value.get_string().get(text) == simdjson::SUCCESS) {
            sorted.emplace(key, text);
        }
    }
    std::map<std::string, std::string_view> by_name;
    for (const auto& [key, value] : sorted) {
        by_name.emplace(tag_variable(key), value);
    }
    std::size_t count = 0;
    for (const auto& [name, value] : by_name) {
        if (count++ == k_env_tags) {
            break;
        }
        env.push_back(name + "=" + env_value(value));
    }
    return env;
}

CallbackDestination::~CallbackDestination() {
    // Only a destination dropped by a failed reload still has calls; the
    // process layer reaps them in the background.
    for (const Run& run : m_runs) {
        m_ctx.children->stop(run.id, 0);
    }
}

void CallbackDestination::launch(std::string_view line, uint64_t number) {
    Run run;
    run.number = number;
    run.event.assign(line);
    ChildSpec spec;
    spec.spawn.argv = m_spec.argv;
    simdjson::dom::element root;
    if (m_parser.parse(run.event.data(), run.event.size()).get(root) == simdjson::SUCCESS) {
        spec.spawn.env = callback_environment(root);
    }
    spec.spawn.stdin_mode = StdinMode::bytes;
    spec.spawn.stdin_bytes = run.event + '\n';
    spec.spawn.stdout_mode = OutputMode::to_fd;
    spec.spawn.stdout_fd = 2;
    spec.spawn.stderr_mode = OutputMode::to_fd;
    spec.spawn.stderr_fd = 2;
    spec.tag = m_tag;
    spec.timeout = m_ctx.callback_timeout;
    spec.kill_grace = m_ctx.callback_kill_grace;
    spec.leftovers = Leftovers::leave;
    run.id = m_ctx.children->start(std::move(spec));
    m_runs.push_back(std::move(run));
}

void CallbackDestination::failed(const std::string& event, const std::string& why, const ChildResult& result) {
    ++counters.failures;
    if (!m_ctx.report) {
        return;
    }
    Json report = Json::object();
    report.set("type", "archive");
    auto original = parse_json(event);
    if (original && original->is_object()) {
        if (const Json* subject = original->find("subject")) {
            report.set("subject", *subject);
        }
        if (const Json* id = original->find("id")) {
            report.set("cause", *id);
        }
    }
    report.set("name", "evroute.callback");
    report.set("message", fmt::format("{}: {}", m_label, why));
    report.set("source", "evroute");
    Json data = Json::object();
    data.set("destination", m_label);
    Json argv = Json::array();
    for (const std::string& arg : m_spec.argv) {
        argv.push_back(arg);
    }
    data.set("argv", std::move(argv));
    if (result.ending == Ending::exited) {
        data.set("exit_code", result.exit_code);
    }
    if (result.ending == Ending::signaled) {
        data.set("signal", result.signal);
    }
    data.set("timed_out", result.timed_out);
    if (original) {
        data.set("event", std::move(original).value());
    }
    report.set("data", std::move(data));
    m_ctx.report(report);
}

void CallbackDestination::on_child(ChildResult& result) {
    auto run = std::find_if(m_runs.begin(), m_runs.end(), [&](const Run& r) { return r.id == result.id; });
    if (run == m_runs.end()) {
        return;
    }
    if (result.ending == Ending::failed_to_start) {
        failed(run->event, fmt::format("cannot start {}: {}", m_spec.argv[0], std::strerror(result.spawn_errno)),
               result);
    } else if (result.timed_out) {
        failed(run->event, fmt::format("timed out after {}", format_duration(m_ctx.callback_timeout)), result);
    } else if (result.ending == Ending::exited && result.exit_code == 0) {
        ++counters.delivered;
    } else if (!result.stopped) {
        failed(run->event, describe(result), result);
    }
    // The call has ended, whatever its outcome: its event is written here
    // (a failure is reported, not retried). One stopped at exit is lost.
    if (result.stopped && !result.timed_out) {
        ++counters.lost;
        m_ctx.delivery->lost(run->number);
    }
    m_runs.erase(run);
}

void CallbackDestination::service(double now) {
    replay();
    while (m_runs.size() < m_ctx.callback_concurrency && !m_queue.empty()) {
        std::string_view line = m_queue.pop_line();
        launch(line, m_numbers.pop());
        replay();
    }
}

uint64_t CallbackDestination::oldest_held() const {
    // Calls end in any order; the queue behind them is in order.
    uint64_t oldest = QueuedDestination::oldest_held();
    for (const Run& run : m_runs) {
        oldest = std::min(oldest, run.number);
    }
    return oldest;
}

void CallbackDestination::abandon() {
    lose_queue();
    for (const Run& run : m_runs) {
        m_ctx.children->stop(run.id, m_ctx.callback_kill_grace);
    }
}

}  // namespace ev::route
