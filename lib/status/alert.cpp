#include "status/alert.h"

#include <tuple>
#include <utility>

#include <fmt/format.h>

#include "core/clock.h"
#include "core/duration.h"
#include "core/id.h"
#include "core/state.h"

namespace ev::status {

namespace {

uint64_t fnv1a(std::string_view bytes) {
    uint64_t h = 0xcbf29ce484222325ULL;
    for (char c : bytes) {
        h ^= static_cast<unsigned char>(c);
        h *= 0x100000001b3ULL;
    }
    return h;
}

}  // namespace

Json make_alert(const Decision& d, const StatusEvent* cause) {
    Json a = Json::object();
    a.members().reserve(14);
    auto& m = a.members();
    m.emplace_back(std::piecewise_construct, std::forward_as_tuple("time"), std::forward_as_tuple(d.time));
    m.emplace_back("type", Json("alert"));
    m.emplace_back("subject", Json(key_subject(d.entry->first)));
    m.emplace_back("name", Json(key_name(d.entry->first)));
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
        m.emplace_back("message", Json(fmt::format("no status within ttl {}", format_duration(d.ttl))));
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

void write_alert(const Json& alert, double time, std::string& out, std::string& scratch) {
    scratch.clear();
    write_canonical(alert, scratch);
    ManualClock clock(time);
    IdGenerator ids(clock, fnv1a(scratch));
    // `id` is first in the canonical key order, so it goes right after the brace.
    out += "{\"id\":\"";
    out += ids.next();
    out += '"';
    if (scratch.size() > 2) {
        out += ',';
    }
    out.append(scratch, 1, std::string::npos);
}

}  // namespace ev::status
