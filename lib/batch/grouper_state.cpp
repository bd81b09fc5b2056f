// The Grouper's groups as JSON, for `evbatch group --state`: what a restart
// needs so that a group already paged is not paged again and its members'
// recovery is notified once (the notification log), and the timer of each
// group (as an absolute time on the run's clock).
#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <map>
#include <optional>

#include "batch/grouper.h"
#include "core/json.h"

namespace ev::batch {

namespace {

void put_string(std::string& out, std::string_view key, std::string_view value) {
    json_escape_to(key, out);
    out += ':';
    json_escape_to(value, out);
}

void put_number(std::string& out, std::string_view key, double value) {
    json_escape_to(key, out);
    out += ':';
    write_number(value, out);
}

// A log entry "a\0b\0c" as the array ["a","b","c"].
void put_entry(std::string& out, std::string_view entry) {
    out += '[';
    std::size_t start = 0;
    for (;;) {
        std::size_t end = entry.find('\0', start);
        json_escape_to(entry.substr(start, end == std::string_view::npos ? end : end - start), out);
        if (end == std::string_view::npos) {
            break;
        }
        out += ',';
        start = end + 1;
    }
    out += ']';
}

void put_entries(std::string& out, std::string_view key, const std::vector<std::string>& entries) {
    json_escape_to(key, out);
    out += ":[";
    for (std::size_t i = 0; i < entries.size(); ++i) {
        out += i == 0 ? "" : ",";
        put_entry(out, entries[i]);
    }
    out += ']';
}

// Reading: every accessor names what was wrong.
Result<std::string_view> get_string(simdjson::dom::object obj, const char* key) {
    std::string_view s;
    if (obj[key].get_string().get(s) != simdjson::SUCCESS) {
        return make_error(fmt::format("\"{}\" must be a string", key));
    }
    return s;
}

Result<double> get_number(simdjson::dom::object obj, const char* key) {
    double d = 0;
    if (obj[key].get_double().get(d) != simdjson::SUCCESS || !std::isfinite(d)) {
        return make_error(fmt::format("\"{}\" must be a number", key));
    }
    return d;
}

Result<bool> get_bool(simdjson::dom::object obj, const char* key) {
    bool b = false;
    if (obj[key].get_bool().get(b) != simdjson::SUCCESS) {
        return make_error(fmt::format("\"{}\" must be true or false", key));
    }
    return b;
}

Result<State> get_state(simdjson::dom::object obj, const char* key) {
    auto name = get_string(obj, key);
    if (!name) {
        return make_error(name.error());
    }
    auto state = parse_state(*name);
    if (!state) {
        return make_error(fmt::format("\"{}\": unknown state \"{}\"", key, *name));
    }
    return *state;
}

// An array of string arrays of `width` strings each, joined by "\0", sorted.
Result<std::vector<std::string>> get_entries(simdjson::dom::object obj, const char* key, std::size_t width) {
    simdjson::dom::array entries;
    if (obj[key].get_array().get(entries) != simdjson::SUCCESS) {
        return make_error(fmt::format("\"{}\" must be an array", key));
    }
    std::vector<std::string> out;
    for (simdjson::dom::element e : entries) {
        simdjson::dom::array parts;
        if (e.get_array().get(parts) != simdjson::SUCCESS || parts.size() != width) {
            return make_error(fmt::format("\"{}\": each entry must be an array of {} strings", key, width));
        }
        std::string joined;
        for (simdjson::dom::element part : parts) {
            std::string_view s;
            if (part.get_string().get(s) != simdjson::SUCCESS) {
                return make_error(fmt::format("\"{}\": each entry must be an array of {} strings", key, width));
            }
            joined.append(s);
            joined.push_back('\0');
        }
        joined.pop_back();
        out.push_back(std::move(joined));
    }
    std::sort(out.begin(), out.end());  // decide() relies on sorted logs
    return out;
}

// The error of the first of results that failed, if any.
template <typename... R>
std::optional<std::string> first_error(const R&... results) {
    std::optional<std::string> error;
    ((!error && !results ? (void)(error = results.error()) : void()), ...);
    return error;
}

}  // namespace

void Grouper::write_state(std::string& out) const {
    // Each group has exactly one timer pending: find it in a copy of the
    // queue. Groups go in the order their timers fire (the queue pops by
    // due time, then by scheduling order), which read_state schedules them
    // in again: groups due at the same moment notify in the same order
    // after a restart as without it. A group without a timer (none
    // expected) follows, in key order.
    std::map<const Group*, double> due;
    std::vector<const Group*> groups;
    auto timers = m_timers;
    while (!timers.empty()) {
        if (due.emplace(timers.top().group, timers.top().due).second) {
            groups.push_back(timers.top().group);
        }
        timers.pop();
    }
    std::vector<const Group*> untimed;
    for (const auto& [key, g] : m_groups) {
        if (due.find(g.get()) == due.end()) {
            untimed.push_back(g.get());
        }
    }
    std::sort(untimed.begin(), untimed.end(), [](const Group* a, const Group* b) { return a->key < b->key; });
    groups.insert(groups.end(), untimed.begin(), untimed.end());
    out += '[';
    for (std::size_t i = 0; i < groups.size(); ++i) {
        const Group& g = *groups[i];
        out += i == 0 ? "{" : ",{";
        put_string(out, "key", g.key);
        out += ',';
        put_number(out, "created", g.created);
        out += ',';
        auto it = due.find(&g);
        put_number(out, "due", it == due.end() ? g.created + m_timing.wait : it->second);
        out += g.changed ? ",\"changed\":true" : ",\"changed\":false";
        out += g.notified ? ",\"notified\":true," : ",\"notified\":false,";
        put_number(out, "last_notify", g.last_notify);
        out += ',';
        if (g.last_state) {
            put_string(out, "last_state", state_name(*g.last_state));
        } else {
            out += "\"last_state\":null";
        }
        out += fmt::format(",\"notifications\":{},", g.notifications);
        put_entries(out, "log_firing", g.log_firing);
        out += ',';
        put_entries(out, "log_resolved", g.log_resolved);
        out += ",\"members\":[";
        for (std::size_t j = 0; j < g.members.size(); ++j) {
            const Member& m = *g.members[j];
            out += j == 0 ? "{" : ",{";
            put_string(out, "subject", m.subject);
            out += ',';
            put_string(out, "name", m.name);
            out += ',';
            put_string(out, "state", state_name(m.state));
            out += ',';
            put_string(out, "id", m.id);
            out += ',';
            put_string(out, "line", m.line);
            out += ',';
            put_number(out, "time", m.time);
            out += '}';
        }
        out += "],\"left\":[";
        for (std::size_t j = 0; j < g.left.size(); ++j) {
            const NotifiedMember& m = g.left[j];
            out += j == 0 ? "{" : ",{";
            put_string(out, "subject", m.subject);
            out += ',';
            put_string(out, "name", m.name);
            out += ',';
            put_string(out, "id", m.id);
            out += ',';
            put_string(out, "line", m.line);
            out += ',';
            put_number(out, "time", m.time);
            out += ',';
            put_string(out, "moved_to", m.moved_to);
            out += '}';
        }
        out += "]}";
    }
    out += ']';
}

Result<void> Grouper::read_state(simdjson::dom::element groups_element, double not_before) {
    m_groups.clear();
    m_members.clear();
    m_timers = {};
    auto fail = [this](std::string what) -> Result<void> {
        m_groups.clear();
        m_members.clear();
        m_timers = {};
        return make_error(std::move(what));
    };
    simdjson::dom::array groups;
    if (groups_element.get_array().get(groups) != simdjson::SUCCESS) {
        return fail("\"groups\" must be an array");
    }
    for (simdjson::dom::element ge : groups) {
        simdjson::dom::object go;
        if (ge.get_object().get(go) != simdjson::SUCCESS) {
            return fail("each group must be an object");
        }
        auto key = get_string(go, "key");
        auto created = get_number(go, "created");
        auto due = get_number(go, "due");
        auto changed = get_bool(go, "changed");
        auto notified = get_bool(go, "notified");
        auto last_notify = get_number(go, "last_notify");
        auto log_firing = get_entries(go, "log_firing", 3);
        auto log_resolved = get_entries(go, "log_resolved", 2);
        if (auto error = first_error(key, created, due, changed, notified, last_notify, log_firing, log_resolved)) {
            return fail("group: " + *error);
        }
        if (m_groups.find(*key) != m_groups.end()) {
            return fail(fmt::format("group \"{}\" appears twice", *key));
        }
        uint64_t notifications = 0;
        if (go["notifications"].get_uint64().get(notifications) != simdjson::SUCCESS) {
            return fail("group: \"notifications\" must be a count");
        }
        auto group = std::make_unique<Group>();
        Group& g = *group;
        g.key = std::string(*key);
        g.created = *created;
        g.changed = *changed;
        g.notified = *notified;
        g.last_notify = *last_notify;
        g.notifications = notifications;
        g.log_firing = std::move(log_firing).value();
        g.log_resolved = std::move(log_resolved).value();
        simdjson::dom::element last_state;
        if (go["last_state"].get(last_state) != simdjson::SUCCESS) {
            return fail("group: \"last_state\" must be a state or null");
        }
        if (!last_state.is_null()) {
            auto s = get_state(go, "last_state");
            if (!s) {
                return fail("group: " + s.error());
            }
            g.last_state = *s;
        }
        m_groups.emplace(g.key, std::move(group));
        simdjson::dom::array members;
        if (go["members"].get_array().get(members) != simdjson::SUCCESS) {
            return fail("group: \"members\" must be an array");
        }
        for (simdjson::dom::element me : members) {
            simdjson::dom::object mo;
            if (me.get_object().get(mo) != simdjson::SUCCESS) {
                return fail("each member must be an object");
            }
            auto subject = get_string(mo, "subject");
            auto name = get_string(mo, "name");
            auto state = get_state(mo, "state");
            auto id = get_string(mo, "id");
            auto line = get_string(mo, "line");
            auto time = get_number(mo, "time");
            if (auto error = first_error(subject, name, state, id, line, time)) {
                return fail("member: " + *error);
            }
            std::string identity(*subject);
            identity.push_back('\0');
            identity.append(*name);
            auto [it, inserted] = m_members.emplace(std::move(identity), Member{});
            if (!inserted) {
                return fail(fmt::format("member {} {} appears twice", *subject, *name));
            }
            Member& m = it->second;
            m = Member{
                std::string(*subject), std::string(*name), std::string(*id), std::string(*line), *time, *state, &g};
            g.members.push_back(&m);
        }
        simdjson::dom::array left;
        if (go["left"].get_array().get(left) != simdjson::SUCCESS) {
            return fail("group: \"left\" must be an array");
        }
        for (simdjson::dom::element le : left) {
            simdjson::dom::object lo;
            if (le.get_object().get(lo) != simdjson::SUCCESS) {
                return fail("each left member must be an object");
            }
            auto subject = get_string(lo, "subject");
            auto name = get_string(lo, "name");
            auto id = get_string(lo, "id");
            auto line = get_string(lo, "line");
            auto time = get_number(lo, "time");
            auto moved_to = get_string(lo, "moved_to");
            if (auto error = first_error(subject, name, id, line, time, moved_to)) {
                return fail("left member: " + *error);
            }
            g.left.push_back(NotifiedMember{std::string(*subject), std::string(*name), State::ok, std::string(*id),
                                            std::string(*line), *time, std::string(*moved_to)});
        }
        schedule(g, std::max(*due, not_before));
    }
    return {};
}

}  // namespace ev::batch
