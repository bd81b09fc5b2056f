#include "route/callback.h"

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>

#include <fmt/format.h>

#include "core/duration.h"
#include "core/state.h"

namespace ev::route {

namespace {

// The string value of a field, or "" when absent or not a string; NUL cuts it (env limits).
std::string string_field(simdjson::dom::element event, const char* key) {
    std::string_view value;
    if (event[key].get_string().get(value) != simdjson::SUCCESS) {
        return {};
    }
    return std::string(value.substr(0, value.find('\0')));
}

}  // namespace

std::vector<std::string> callback_environment(simdjson::dom::element event) {
    std::string state = string_field(event, "state");
    if (state.empty()) {
        int64_t severity = 0;
        if (event["severity"].get_int64().get(severity) == simdjson::SUCCESS) {
            if (auto s = state_from_severity(severity)) {
                state = std::string(state_name(*s));
            }
        }
    }
    return {
        "EV_SUBJECT=" + string_field(event, "subject"), "EV_NAME=" + string_field(event, "name"),
        "EV_TYPE=" + string_field(event, "type"),       "EV_STATE=" + state,
        "EV_ID=" + string_field(event, "id"),
    };
}

CallbackDestination::CallbackDestination(DestSpec spec, Context& ctx) : QueuedDestination(std::move(spec), ctx) {}

CallbackDestination::~CallbackDestination() {
    for (Run& run : m_runs) {
        ::kill(-run.child.pid, SIGKILL);
        (void)::waitpid(run.child.pid, nullptr, 0);
        close_fd(run.child.stdin_fd);
        close_fd(run.child.pidfd);
    }
}

void CallbackDestination::want(std::vector<pollfd>& fds) const {
    for (const Run& run : m_runs) {
        if (run.child.pidfd >= 0) {
            fds.push_back(pollfd{run.child.pidfd, POLLIN, 0});
        }
        if (run.child.stdin_fd >= 0) {
            fds.push_back(pollfd{run.child.stdin_fd, POLLOUT, 0});
        }
    }
}

void CallbackDestination::feed(Run& run) {
    while (run.child.stdin_fd >= 0 && run.written < run.event.size()) {
        ssize_t n = ::write(run.child.stdin_fd, run.event.data() + run.written, run.event.size() - run.written);
        if (n > 0) {
            run.written += static_cast<std::size_t>(n);
        } else if (n < 0 && errno == EINTR) {
            continue;
        } else if (n < 0 && errno == EAGAIN) {
            return;
        } else {
            break;  // it does not read its stdin: fine
        }
    }
    close_fd(run.child.stdin_fd);
}

void CallbackDestination::launch(std::string_view line, double now) {
    Run run;
    run.event.assign(line);
    run.event += '\n';
    simdjson::dom::element root;
    std::vector<std::string> env;
    if (m_parser.parse(run.event.data(), run.event.size()).get(root) == simdjson::SUCCESS) {
        env = callback_environment(root);
    }
    auto child = spawn_child(m_spec.argv, env, false);
    if (!child) {
        failed(run.event, child.error(), nullptr, false);
        return;
    }
    run.child = *child;
    run.deadline = now + m_ctx.callback_timeout;
    feed(run);
    m_runs.push_back(std::move(run));
}

void CallbackDestination::failed(const std::string& event, const std::string& why, const ExitStatus* status,
                                 bool timed_out) {
    ++counters.failures;
    if (!m_ctx.report) {
        return;
    }
    Json report = Json::object();
    report.set("type", "archive");
    std::string_view line(event);
    if (!line.empty() && line.back() == '\n') {
        line.remove_suffix(1);
    }
    auto original = parse_json(line);
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
    if (status != nullptr && status->exited) {
        data.set("exit_code", status->code);
    }
    if (status != nullptr && !status->exited) {
        data.set("signal", status->signal);
    }
    data.set("timed_out", timed_out);
    if (original) {
        data.set("event", std::move(original).value());
    }
    report.set("data", std::move(data));
    m_ctx.report(report);
}

void CallbackDestination::service(double now) {
    for (std::size_t i = 0; i < m_runs.size();) {
        Run& run = m_runs[i];
        ExitStatus status;
        if (reap_child(run.child.pid, status)) {
            close_fd(run.child.stdin_fd);
            close_fd(run.child.pidfd);
            if (run.timed_out) {
                failed(run.event, fmt::format("timed out after {}", format_duration(m_ctx.callback_timeout)), &status,
                       true);
            } else if (status.exited && status.code == 0) {
                ++counters.delivered;
            } else {
                failed(run.event, describe_exit(status), &status, false);
            }
            m_runs.erase(m_runs.begin() + static_cast<std::ptrdiff_t>(i));
            continue;
        }
        if (!run.timed_out && now >= run.deadline) {
            run.timed_out = true;
            ::kill(-run.child.pid, SIGKILL);
        }
        feed(run);
        ++i;
    }
    replay();
    while (m_runs.size() < m_ctx.callback_concurrency && !m_queue.empty()) {
        std::string line(m_queue.pop_line());
        launch(line, now);
        replay();
    }
}

double CallbackDestination::deadline() const {
    double next = std::numeric_limits<double>::infinity();
    for (const Run& run : m_runs) {
        if (!run.timed_out) {
            next = std::min(next, run.deadline);
        }
    }
    return next;
}

bool CallbackDestination::finished(double now) {
    service(now);
    return m_runs.empty();
}

void CallbackDestination::abandon() {
    lose_queue();
    for (Run& run : m_runs) {
        ::kill(-run.child.pid, SIGKILL);
    }
}

}  // namespace ev::route
