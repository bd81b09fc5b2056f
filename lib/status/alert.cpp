#include "status/alert.h"

#include <tuple>
#include <utility>

#include <fmt/format.h>

#include "core/clock.h"
#include "core/duration.h"
#include "core/id.h"
#include "core/state.h"

namespace ev::status {

Json make_alert(const Decision& d, const StatusEvent* cause) {
    Json a = Json::object();
    a.members().reserve(14);
    auto& m = a.members();
    m.emplace_back(std::piecewise_construct, std::forward_as_tuple("time"), std::forward_as_tuple(d.time));
    m.emplace_back("type", Json("alert"));
    m.emplace_back("subject", Json(d.entry->subject()));
    m.emplace_back("name", Json(d.entry->name()));
    m.emplace_back("state", Json(state_name(d.state)));
    // Built in place: moving a temporary Json of a number trips GCC 12's
    // -Wmaybe-uninitialized on std::variant.
    m.emplace_back(std::piecewise_construct, std::forward_as_tuple("severity"),
                   std::forward_as_tuple(severity_of(d.state)));
    if (cause != nullptr) {
        if (cause->message) {
            m.emplace_back("message", to_json(*cause->message));
        }
        if (cause->tags) {
            m.emplace_back("tags", to_json(*cause->tags));
        }
    } else {
        m.emplace_back("message", Json(expiry_message(d.ttl)));
    }
    m.emplace_back("source", Json("evstatus"));
    m.emplace_back("previous", Json(state_name(d.previous)));
    m.emplace_back("reason", Json(reason_name(d.reason)));
    m.emplace_back(std::piecewise_construct, std::forward_as_tuple("since"), std::forward_as_tuple(d.since));
    if (cause != nullptr && cause->id) {
        m.emplace_back("cause", Json(*cause->id));
    }
    return a;
}

namespace {

void put_key(std::string_view key, std::string& out) {
    out += ",\"";
    out += key;
    out += "\":";
}

void put_string(std::string_view key, std::string_view value, std::string& out) {
    put_key(key, out);
    json_escape_to(value, out);
}

// Appends the rest of an alert after its id: scratch is the alert without one.
void finish(std::string& out, const std::string& scratch);

}  // namespace

void write_alert(const Decision& d, const StatusEvent* cause, std::string& out, std::string& scratch,
                 std::string_view cause_line) {
    // Keys in the canonical order: time type subject name state severity
    // message tags source previous reason since cause.
    scratch.clear();
    scratch += "{\"time\":";
    write_number(d.time, scratch);
    scratch += ",\"type\":\"alert\"";
    put_string("subject", d.entry->subject(), scratch);
    put_string("name", d.entry->name(), scratch);
    put_string("state", state_name(d.state), scratch);
    put_key("severity", scratch);
    scratch += static_cast<char>('0' + severity_of(d.state));
    if (cause != nullptr) {
        // Engine::apply has just stored the cause's message and tags on the
        // entry in this very encoding: copied, not encoded a second time.
        if (cause->message) {
            put_key("message", scratch);
            scratch += d.entry->message->text();
        }
        if (cause->tags) {
            put_key("tags", scratch);
            scratch += d.entry->tags->text();
        }
    } else {
        put_string("message", expiry_message(d.ttl), scratch);
    }
    put_string("source", "evstatus", scratch);
    put_string("previous", state_name(d.previous), scratch);
    put_string("reason", reason_name(d.reason), scratch);
    put_key("since", scratch);
    write_number(d.since, scratch);
    if (cause != nullptr && cause->id) {
        put_string("cause", *cause->id, scratch);
    }
    scratch += '}';
    // `id` is first in the canonical key order, so it goes right after the brace.
    out += "{\"id\":\"";
    append_alert_id(d, cause, cause_line, out);
    finish(out, scratch);
}

void write_alert(const Json& alert, std::string_view id, std::string& out, std::string& scratch) {
    scratch.clear();
    write_canonical(alert, scratch);
    out += "{\"id\":\"";
    out += id;
    finish(out, scratch);
}

void append_alert_id(const Decision& d, const StatusEvent* cause, std::string_view cause_line, std::string& out) {
    Derivation derivation;
    derivation.tool = "evstatus";
    derivation.what = reason_name(d.reason);
    // A timer's alert has no cause event: the identity and the deadline that
    // passed say which one it is. So does the identity for a cause known by
    // neither id nor line. The buffer is kept between calls.
    thread_local std::string identity;
    auto by_identity = [&d, &derivation]() {
        identity.assign(1, '[');
        json_escape_to(d.entry->subject(), identity);
        identity += ',';
        json_escape_to(d.entry->name(), identity);
        identity += ']';
        derivation.cause_line = identity;
    };
    if (cause != nullptr) {
        derivation.cause_id = cause->id ? *cause->id : std::string_view();
        derivation.cause_line = cause_line;
        derivation.time = cause->time ? *cause->time : 0;
        if (derivation.cause_id.empty() && cause_line.empty()) {
            by_identity();
        }
    } else {
        by_identity();
        derivation.time = d.time;
    }
    append_derived_id(derivation, out);
}

namespace {

void finish(std::string& out, const std::string& scratch) {
    out += '"';
    if (scratch.size() > 2) {
        out += ',';
    }
    out.append(scratch, 1, std::string::npos);
}

}  // namespace

}  // namespace ev::status
