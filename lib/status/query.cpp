#include "status/query.h"

#include <algorithm>
#include <cmath>
#include <ctime>
#include <map>

#include <fmt/format.h>
#include <simdjson.h>

#include "core/clock.h"
#include "core/duration.h"
#include "core/escape.h"
#include "core/exit_code.h"
#include "core/json.h"
#include "core/state.h"
#include "core/writer.h"
#include "expr/expr.h"
#include "status/state_file.h"

namespace ev::status {

namespace {

// One identity of the state file as a JSON row: what EXPR sees and --json prints.
Json row_of(const SavedIdentity& id) {
    Json row = Json::object();
    const IdentityState& s = id.state;
    row.set("time", Json(s.seen));
    row.set("subject", Json(id.subject));
    row.set("name", Json(id.name));
    row.set("state", Json(state_name(s.state)));
    row.set("severity", Json(severity_of(s.state)));
    if (s.ttl > 0) {
        row.set("ttl", Json(s.ttl));
    }
    row.set("since", Json(s.since));
    if (s.deadline > 0) {
        row.set("deadline", Json(s.deadline));
    }
    row.set("soft", Json(static_cast<int>(s.soft)));
    row.set("flapping", Json(s.flapping()));
    row.set("expired", Json(s.expired()));
    // Canonical JSON from the state file (checked when it was loaded).
    if (!id.message.empty()) {
        if (auto message = parse_json(id.message)) {
            row.set("message", std::move(message).value());
        }
    }
    if (!id.tags.empty()) {
        if (auto tags = parse_json(id.tags)) {
            row.set("tags", std::move(tags).value());
        }
    }
    return row;
}

// The MESSAGE column: a string message as it is, another value as JSON,
// none as "-"; escaped like every other column.
std::string message_column(const SavedIdentity& id) {
    if (id.message.empty()) {
        return "-";
    }
    if (id.message.front() == '"') {
        if (auto text = json_unescape(id.message)) {
            return escape_text(*text);
        }
    }
    return escape_text(id.message);
}

// The identities of the snapshot that EXPR selects, with their rows.
struct Selected {
    const SavedIdentity* identity;
    std::string row;  // canonical JSON
};

Result<std::vector<Selected>> select(const Snapshot& snapshot, const std::string& expression) {
    std::optional<expr::Program> program;
    if (!expression.empty()) {
        auto compiled = expr::Program::compile(expression);
        if (!compiled) {
            return std::move(compiled).take_error();
        }
        program.emplace(std::move(compiled).value());
    }
    std::vector<Selected> out;
    simdjson::dom::parser parser;
    for (const SavedIdentity& id : snapshot.identities) {
        Selected selected{&id, to_canonical(row_of(id))};
        if (program) {
            simdjson::padded_string padded(selected.row);
            simdjson::dom::element root;
            if (parser.parse(padded).get(root) != simdjson::SUCCESS || !program->test(root)) {
                continue;
            }
        }
        out.push_back(std::move(selected));
    }
    return out;
}

void write_all(int fd, const std::string& text) {
    Writer out(fd);
    out.buffer() = text;
    (void)out.flush();
}

std::string flags_of(const IdentityState& s) {
    std::string flags;
    auto add = [&flags](std::string_view f) {
        if (!flags.empty()) {
            flags += ',';
        }
        flags += f;
    };
    if (s.flapping()) {
        add("flapping");
    }
    if (s.expired()) {
        add("expired");
    }
    if (s.soft > 0) {
        add(fmt::format("soft:{}", s.soft));
    }
    return flags.empty() ? "-" : flags;
}

// Width of escaped text on a terminal: one column per UTF-8 character
// (wide characters count one; the escapes themselves are ASCII).
std::size_t columns_of(std::string_view text) {
    std::size_t n = 0;
    for (char c : text) {
        n += (static_cast<unsigned char>(c) & 0xC0) != 0x80 ? 1 : 0;
    }
    return n;
}

std::string seconds_text(double s) {
    std::string out;
    write_number(s, out);
    return out;
}

}  // namespace

std::string format_utc(double seconds) {
    std::time_t t = static_cast<std::time_t>(std::floor(seconds));
    std::tm tm{};
    gmtime_r(&t, &tm);
    char buf[32];
    std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
    return buf;
}

int show(const ShowOptions& options, int out_fd, Diagnostics& diag) {
    auto loaded = load_state_file(options.state_path);
    if (!loaded) {
        diag.error(loaded.error());
        return exit_code::k_usage;
    }
    if (!*loaded) {
        diag.error(fmt::format("state file {}: No such file or directory", options.state_path));
        return exit_code::k_usage;
    }
    auto selected = select(**loaded, options.expression);
    if (!selected) {
        diag.error(selected.error());
        return exit_code::k_usage;
    }
    std::string out;
    if (options.json) {
        for (const Selected& s : *selected) {
            out += s.row;
            out += '\n';
        }
    } else {
        // Subjects and names are escaped: a table row is one line, and no
        // value reaches the terminal as a control sequence.
        std::vector<std::array<std::string, 7>> rows;
        rows.push_back({"SUBJECT", "NAME", "STATE", "SINCE", "LAST-SEEN", "FLAGS", "MESSAGE"});
        for (const Selected& s : *selected) {
            const IdentityState& st = s.identity->state;
            rows.push_back({escape_text(s.identity->subject), escape_text(s.identity->name),
                            std::string(state_name(st.state)), format_utc(st.since), format_utc(st.seen), flags_of(st),
                            message_column(*s.identity)});
        }
        std::array<std::size_t, 7> width{};
        for (const auto& row : rows) {
            for (std::size_t i = 0; i < row.size(); ++i) {
                width[i] = std::max(width[i], columns_of(row[i]));
            }
        }
        for (const auto& row : rows) {
            for (std::size_t i = 0; i < row.size(); ++i) {
                out += row[i];
                if (i + 1 < row.size()) {
                    out.append(width[i] - columns_of(row[i]) + 2, ' ');
                }
            }
            out += '\n';
        }
    }
    write_all(out_fd, out);
    return selected->empty() ? exit_code::k_no_match : exit_code::k_ok;
}

int check(const CheckOptions& options, int out_fd, Diagnostics& diag) {
    std::optional<Threshold> warn, crit;
    if (!options.warn_count.empty()) {
        auto t = parse_threshold(options.warn_count);
        if (!t) {
            diag.error(fmt::format("--warn-count: {}", t.error()));
            return exit_code::k_usage;
        }
        warn = *t;
    }
    if (!options.crit_count.empty()) {
        auto t = parse_threshold(options.crit_count);
        if (!t) {
            diag.error(fmt::format("--crit-count: {}", t.error()));
            return exit_code::k_usage;
        }
        crit = *t;
    }
    std::optional<double> max_age;
    if (!options.max_age.empty()) {
        auto d = parse_duration(options.max_age);
        if (!d) {
            diag.error(fmt::format("--max-age: {}", d.error()));
            return exit_code::k_usage;
        }
        max_age = *d;
    }
    auto unknown = [&](const std::string& why) {
        diag.error(why);
        write_all(out_fd, fmt::format("{}: UNKNOWN: {}\n", escape_text(options.name), escape_text(why)));
        return check_code::k_unknown;
    };
    auto loaded = load_state_file(options.state_path);
    if (!loaded) {
        return unknown(loaded.error());
    }
    if (!*loaded) {
        return unknown(fmt::format("state file {}: No such file or directory", options.state_path));
    }
    const Snapshot& snapshot = **loaded;
    auto selected = select(snapshot, options.expression);
    if (!selected) {
        diag.error(selected.error());
        return exit_code::k_usage;
    }

    // A threshold given decides alone; otherwise the states present decide.
    auto by_threshold = [&](std::size_t count, std::size_t total) {
        if (crit && crit->reached(count, total)) {
            return check_code::k_critical;
        }
        if (warn && warn->reached(count, total)) {
            return check_code::k_warning;
        }
        return check_code::k_ok;
    };
    const bool thresholds = warn || crit;
    std::string out;

    if (max_age) {
        double now = options.now                          ? *options.now
                     : snapshot.clock == ClockKind::event ? snapshot.time
                                                          : wall_clock().now();
        std::map<std::string_view, double> last_seen;  // per subject, sorted
        for (const Selected& s : *selected) {
            auto [it, inserted] = last_seen.emplace(s.identity->subject, s.identity->state.seen);
            if (!inserted) {
                it->second = std::max(it->second, s.identity->state.seen);
            }
        }
        std::vector<std::pair<std::string_view, double>> old;
        for (const auto& [subject, seen] : last_seen) {
            if (now - seen > *max_age) {
                old.emplace_back(subject, now - seen);
            }
        }
        std::size_t total = last_seen.size();
        int code = total == 0    ? check_code::k_unknown
                   : thresholds  ? by_threshold(old.size(), total)
                   : old.empty() ? check_code::k_ok
                                 : check_code::k_critical;
        out += fmt::format(
            "{}: {} / {} hosts not checked in within {} seconds|totalhosts={} oldhosts={} "
            "currenthosts={}\n",
            state_label(static_cast<State>(code)), old.size(), total, seconds_text(*max_age), total, old.size(),
            total - old.size());
        for (const auto& [subject, age] : old) {
            out += fmt::format("{} last seen {} seconds ago\n", escape_text(subject),
                               seconds_text(std::round(age * 1000) / 1000));
        }
        write_all(out_fd, out);
        return code;
    }

    AggregateCheck aggregate;
    aggregate.label = options.name;
    aggregate.warn = warn;
    aggregate.crit = crit;
    std::vector<CheckItem> items;
    items.reserve(selected->size());
    for (const Selected& s : *selected) {
        items.push_back({s.identity->subject, s.identity->name, s.identity->state.state});
    }
    CheckOutput formatted = format_aggregate_check(aggregate, items);
    out += formatted.text;
    int code = formatted.code;
    write_all(out_fd, out);
    return code;
}

}  // namespace ev::status
