#include "batch/result.h"

#include <fmt/format.h>

#include <cmath>
#include <cstring>

#include "core/duration.h"
#include "core/utf8.h"

namespace ev::batch {

namespace {

std::string signal_name(int sig) {
    const char* abbrev = sigabbrev_np(sig);
    return abbrev != nullptr ? std::string(abbrev) : fmt::format("{}", sig);
}

// The fields every result event has, around its state, message and data.
Json envelope(const ResultContext& ctx, std::string_view state, std::string message, Json data) {
    Json event = Json::object();
    event.set("id", Json(ctx.id));
    event.set("time", Json(ctx.time));
    event.set("type", Json("status"));
    if (!ctx.subject.empty()) {
        event.set("subject", Json(ctx.subject));
    }
    event.set("name", Json(ctx.name));
    event.set("state", Json(std::string(state)));
    event.set("message", Json(std::move(message)));
    event.set("source", Json("evbatch"));
    event.set("data", std::move(data));
    if (!ctx.cause.empty()) {
        event.set("cause", Json(ctx.cause));
    }
    return event;
}

}  // namespace

std::string sanitize_utf8(std::string_view bytes) {
    return ev::sanitize_utf8(bytes);
}

std::string command_basename(std::string_view path) {
    auto slash = path.rfind('/');
    return std::string(slash == std::string_view::npos ? path : path.substr(slash + 1));
}

std::string command_text(const std::vector<std::string>& command) {
    std::string text;
    for (const std::string& word : command) {
        text += fmt::format("{}:", word.size());
        text += word;
    }
    return text;
}

Json result_event(const ChildResult& r, const ResultContext& ctx) {
    Json data = Json::object();
    std::string message;
    switch (r.ending) {
        case Ending::failed_to_start:
            message = fmt::format("cannot run the command: {}", std::strerror(r.spawn_errno));
            data.set("exit_code", Json(127));
            break;
        case Ending::exited:
            message = fmt::format("exited with {}", r.exit_code);
            data.set("exit_code", Json(r.exit_code));
            break;
        case Ending::signaled:
            message = fmt::format("killed by signal {}", signal_name(r.signal));
            data.set("exit_code", Json());
            data.set("signal", Json(signal_name(r.signal)));
            break;
        case Ending::abandoned:
        case Ending::unknown:
            // Not with evbatch's policy (no report at the timeout, nobody else
            // reaps), but say so rather than guess.
            message = "ended, how is unknown";
            data.set("exit_code", Json());
            break;
    }
    if (r.timed_out) {
        message = fmt::format("timed out after {} ({})", format_duration(ctx.timeout), message);
        data.set("timed_out", Json(true));
    } else if (r.stopped) {
        message += fmt::format(" ({})", ctx.stop_reason);
    }
    data.set("duration", Json(std::round(r.duration * 1000) / 1000));
    data.set("output", Json(sanitize_utf8(r.out)));
    if (r.out_truncated) {
        data.set("output_truncated", Json(true));
    }
    return envelope(ctx, succeeded(r) ? "ok" : "critical", std::move(message), std::move(data));
}

Json refused_event(std::string_view reason, const ResultContext& ctx) {
    Json data = Json::object();
    data.set("refused", Json(true));
    return envelope(ctx, "unknown", std::string(reason), std::move(data));
}

Json interrupted_event(const ResultContext& ctx) {
    Json data = Json::object();
    data.set("interrupted", Json(true));
    Json event = envelope(ctx, "unknown",
                          "interrupted: an earlier evbatch started this action and stopped before it finished; "
                          "--rerun-interrupted runs it again",
                          std::move(data));
    event.set("reason", Json("interrupted"));
    return event;
}

}  // namespace ev::batch
