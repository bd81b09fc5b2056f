#include "batch/result.h"

#include <fmt/format.h>

#include <cmath>
#include <cstring>

#include "core/duration.h"

namespace ev::batch {

namespace {

std::string signal_name(int sig) {
    const char* abbrev = sigabbrev_np(sig);
    return abbrev != nullptr ? std::string(abbrev) : fmt::format("{}", sig);
}

// Length of the valid UTF-8 sequence at s[i], or 0 when it is not one.
std::size_t utf8_length(std::string_view s, std::size_t i) {
    auto c = static_cast<unsigned char>(s[i]);
    if (c < 0x80) {
        return 1;
    }
    std::size_t n = 0;
    uint32_t min = 0;
    uint32_t cp = 0;
    if ((c & 0xE0) == 0xC0) {
        n = 2, min = 0x80, cp = c & 0x1F;
    } else if ((c & 0xF0) == 0xE0) {
        n = 3, min = 0x800, cp = c & 0x0F;
    } else if ((c & 0xF8) == 0xF0) {
        n = 4, min = 0x10000, cp = c & 0x07;
    } else {
        return 0;
    }
    if (i + n > s.size()) {
        return 0;
    }
    for (std::size_t k = 1; k < n; ++k) {
        auto d = static_cast<unsigned char>(s[i + k]);
        if ((d & 0xC0) != 0x80) {
            return 0;
        }
        cp = (cp << 6) | (d & 0x3F);
    }
    if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) {
        return 0;
    }
    return n;
}

}  // namespace

std::string sanitize_utf8(std::string_view bytes) {
    std::string out;
    out.reserve(bytes.size());
    for (std::size_t i = 0; i < bytes.size();) {
        std::size_t n = utf8_length(bytes, i);
        if (n == 0) {
            out += "\xEF\xBF\xBD";
            ++i;
        } else {
            out.append(bytes.data() + i, n);
            i += n;
        }
    }
    return out;
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
    Json event = Json::object();
    event.set("id", Json(ctx.id));
    event.set("time", Json(ctx.time));
    event.set("type", Json("status"));
    if (!ctx.subject.empty()) {
        event.set("subject", Json(ctx.subject));
    }
    event.set("name", Json(ctx.name));
    event.set("state", Json(succeeded(f) ? "ok" : "critical"));
    event.set("message", Json(std::move(message)));
    event.set("source", Json("evbatch"));
    event.set("data", std::move(data));
    if (!ctx.cause.empty()) {
        event.set("cause", Json(ctx.cause));
    }
    return event;
}

}  // namespace ev::batch
