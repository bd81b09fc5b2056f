#include "status/openmetrics.h"

#include <functional>

#include "core/json.h"
#include "core/state.h"

namespace ev::status {

void append_label_value(std::string_view text, std::string& out) {
    for (char c : text) {
        switch (c) {
            case '\\':
                out += "\\\\";
                break;
            case '"':
                out += "\\\"";
                break;
            case '\n':
                out += "\\n";
                break;
            default:
                out += c;
        }
    }
}

namespace {

// One family: its help, its type and a sample per identity.
void append_family(std::string_view name, std::string_view help, const std::vector<Selected>& selected,
                   const std::function<double(std::size_t)>& value_of, std::string& out) {
    out += "# HELP ";
    out += name;
    out += ' ';
    out += help;  // our own text: no backslash or line feed to escape
    out += "\n# TYPE ";
    out += name;
    out += " gauge\n";
    for (std::size_t i = 0; i < selected.size(); ++i) {
        out += name;
        out += "{subject=\"";
        append_label_value(selected[i].identity->subject, out);
        out += "\",name=\"";
        append_label_value(selected[i].identity->name, out);
        out += "\"} ";
        write_number(value_of(i), out);
        out += '\n';
    }
}

}  // namespace

std::string format_openmetrics(const std::vector<Selected>& selected, const std::vector<bool>* silenced) {
    std::string out;
    auto state = [&](std::size_t i) -> const IdentityState& { return selected[i].identity->state; };
    append_family(
        "evkit_status_severity",
        "Current hard state of the identity as its Nagios code (0 ok, 1 warning, 2 critical, 3 unknown).", selected,
        [&](std::size_t i) { return static_cast<double>(severity_of(state(i).state)); }, out);
    append_family(
        "evkit_status_last_seen_seconds", "Time of the identity's last status, in Unix seconds.", selected,
        [&](std::size_t i) { return state(i).seen; }, out);
    append_family(
        "evkit_status_since_seconds", "Time the identity's current state began, in Unix seconds.", selected,
        [&](std::size_t i) { return state(i).since; }, out);
    append_family(
        "evkit_status_flapping", "1 while the identity is flapping (Nagios's flap detection), else 0.", selected,
        [&](std::size_t i) { return state(i).flapping() ? 1.0 : 0.0; }, out);
    append_family(
        "evkit_status_expired", "1 when the identity took its state by expiry (no status within ttl).", selected,
        [&](std::size_t i) { return state(i).expired() ? 1.0 : 0.0; }, out);
    if (silenced != nullptr) {
        append_family(
            "evkit_status_silenced", "1 while a silence of the --silences file covers the identity.", selected,
            [&](std::size_t i) { return (*silenced)[i] ? 1.0 : 0.0; }, out);
    }
    return out;
}

}  // namespace ev::status
