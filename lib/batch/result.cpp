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

Json result_event(const Finished& f, const ResultContext& ctx) {
    Json data = Json::object();
    std::string message;
    if (!f.spawned) {
        message = fmt::format("cannot run the command: {}", f.spawn_error);
        data.set("exit_code", Json(127));
    } else if (f.exited) {
        message = fmt::format("exited with {}", f.exit_code);
        data.set("exit_code", Json(f.exit_code));
    } else {
        message = fmt::format("killed by signal {}", signal_name(f.signal));
        data.set("exit_code", Json());
        data.set("signal", Json(signal_name(f.signal)));
    }
    if (f.timed_out) {
        message = fmt::format("timed out after {} ({})", format_duration(ctx.timeout), message);
        data.set("timed_out", Json(true));
    } else if (f.killed) {
        message += " (evbatch was interrupted twice)";
    }
    data.set("duration", Json(std::round(f.duration * 1000) / 1000));
    data.set("output", Json(sanitize_utf8(f.output)));
    if (f.truncated) {
        data.set("output_truncated", Json(true));
    }
    return envelope(ctx, succeeded(f) ? "ok" : "critical", std::move(message), std::move(data));
}

Json refused_event(std::string_view reason, const ResultContext& ctx) {
    Json data = Json::object();
    data.set("refused", Json(true));
    return envelope(ctx, "unknown", std::string(reason), std::move(data));
}

}  // namespace ev::batch
