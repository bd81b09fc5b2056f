#include "status/event.h"

#include <cmath>

#include <fmt/format.h>

#include "core/escape.h"

namespace ev::status {

namespace {

std::optional<double> number_of(simdjson::dom::element e) {
    using simdjson::dom::element_type;
    switch (e.type()) {
        case element_type::INT64:
            return static_cast<double>(e.get_int64().value_unsafe());
        case element_type::UINT64:
            return static_cast<double>(e.get_uint64().value_unsafe());
        case element_type::DOUBLE:
            return e.get_double().value_unsafe();
        default:
            return std::nullopt;
    }
}

}  // namespace

EventKind read_event(simdjson::dom::element root, StatusEvent& out, std::string& reason) {
    ReadFields fields;
    if (auto dup = fields.index(root.get_object().value_unsafe()); !dup.empty()) {
        out = StatusEvent{};
        reason = fmt::format("duplicate key \"{}\"", dup);
        return EventKind::bad;
    }
    return read_event(fields, out, reason);
}

EventKind read_event(const ReadFields& fields, StatusEvent& out, std::string& reason) {
    out = StatusEvent{};
    auto state = fields.get(Field::state);
    auto severity = fields.get(Field::severity);
    auto subject = fields.get(Field::subject);
    auto name = fields.get(Field::name);
    auto time = fields.get(Field::time);
    auto ttl = fields.get(Field::ttl);
    auto type = fields.get(Field::type);
    if (auto tags = fields.get(Field::tags)) {
        out.tags = *tags;
    }
    if (auto message = fields.get(Field::message)) {
        out.message = *message;
    }
    if (auto id = fields.get(Field::id); id && id->is_string()) {
        out.id = id->get_string().value_unsafe();
    }
    if (time) {
        out.time = number_of(*time);
        if (out.time && !std::isfinite(*out.time)) {
            out.time.reset();
        }
    }
    if (!state && !severity) {
        return EventKind::other;
    }
    if (type && type->is_string() && type->get_string().value_unsafe() == "alert") {
        return EventKind::other;
    }
    std::optional<State> from_state, from_severity;
    if (state) {
        if (!state->is_string()) {
            reason = "state is not a string";
            return EventKind::bad;
        }
        std::string_view text = state->get_string().value_unsafe();
        from_state = parse_state(text);
        if (!from_state) {
            reason = fmt::format("unknown state '{}'", escape_prefix(text, 40));
            return EventKind::bad;
        }
    }
    if (severity) {
        if (severity->is_int64()) {
            from_severity = state_from_severity(severity->get_int64().value_unsafe());
        }
        if (!from_severity) {
            reason = "severity is not an integer in 0..3";
            return EventKind::bad;
        }
    }
    if (from_state && from_severity && *from_state != *from_severity) {
        reason = "state and severity disagree";
        return EventKind::bad;
    }
    out.state = from_state ? *from_state : *from_severity;
    if (!subject || !subject->is_string() || subject->get_string().value_unsafe().empty()) {
        reason = "status without a subject";
        return EventKind::bad;
    }
    if (!name || !name->is_string() || name->get_string().value_unsafe().empty()) {
        reason = "status without a name";
        return EventKind::bad;
    }
    out.subject = subject->get_string().value_unsafe();
    out.name = name->get_string().value_unsafe();
    if (time && !out.time) {
        reason = "time is not a number";
        return EventKind::bad;
    }
    if (ttl) {
        out.ttl = number_of(*ttl);
        if (!out.ttl || !std::isfinite(*out.ttl) || *out.ttl < 0) {
            reason = "ttl is not a non-negative number";
            return EventKind::bad;
        }
    }
    return EventKind::status;
}

}  // namespace ev::status
