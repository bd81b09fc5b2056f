// `evstatus check`: one Nagios check over the identities of a state file,
// in the aggregate form (core/aggregate_check.h) or, with --max-age, the
// registration form.
#include <algorithm>
#include <cmath>
#include <map>
#include <set>
#include <utility>

#include <fmt/format.h>

#include "core/clock.h"
#include "core/duration.h"
#include "core/escape.h"
#include "core/exit_code.h"
#include "core/host_list.h"
#include "core/json.h"
#include "core/timestamp.h"
#include "status/query.h"
#include "status/selection.h"

namespace ev::status {

namespace {

// The command line of check, parsed; the error names the option.
struct CheckArgs {
    std::optional<Threshold> warn, crit;
    std::optional<double> max_age;
    std::optional<double> now;
};

Result<CheckArgs> parse_args(const CheckOptions& options) {
    CheckArgs args;
    auto threshold = [](const std::string& text, std::string_view option,
                        std::optional<Threshold>& into) -> Result<void> {
        if (text.empty()) {
            return {};
        }
        auto t = parse_threshold(text);
        if (!t) {
            return make_error(fmt::format("{}: {}", option, t.error()));
        }
        into = *t;
        return {};
    };
    if (auto r = threshold(options.warn_count, "--warn-count", args.warn); !r) {
        return std::move(r).take_error();
    }
    if (auto r = threshold(options.crit_count, "--crit-count", args.crit); !r) {
        return std::move(r).take_error();
    }
    if (!options.max_age.empty()) {
        auto d = parse_duration(options.max_age);
        if (!d) {
            return make_error(fmt::format("--max-age: {}", d.error()));
        }
        args.max_age = *d;
    }
    if (!options.now.empty()) {
        auto t = parse_timestamp(options.now);
        if (!t) {
            return make_error(fmt::format("--now: {}", t.error()));
        }
        args.now = *t;
    }
    return args;
}

std::string seconds_text(double s) {
    std::string out;
    write_number(s, out);
    return out;
}

// The entries of the --expect list no selected identity answers: an entry
// with a name wants that identity, one without any identity of its subject.
std::vector<HostListEntry> never_seen(const std::vector<HostListEntry>& expected,
                                      const std::vector<Selected>& selected) {
    std::set<std::string_view> subjects;
    std::set<std::pair<std::string_view, std::string_view>> identities;
    for (const Selected& s : selected) {
        subjects.insert(s.identity->subject);
        identities.emplace(s.identity->subject, s.identity->name);
    }
    std::vector<HostListEntry> out;
    for (const HostListEntry& e : expected) {
        bool seen = e.name ? identities.count({e.subject, *e.name}) > 0 : subjects.count(e.subject) > 0;
        if (!seen) {
            out.push_back(e);
        }
    }
    return out;
}

// The registration form: the subjects none of whose selected identities
// was refreshed within max_age (an expected subject never seen is old).
int check_max_age(const CheckOptions& options, const CheckArgs& args, const Snapshot& snapshot,
                  const std::vector<Selected>& selected, const std::vector<HostListEntry>& unseen, std::string& out) {
    double now = args.now ? *args.now : snapshot.clock == ClockKind::event ? snapshot.time : wall_clock().now();
    std::map<std::string_view, std::optional<double>> last_seen;  // per subject, sorted; none: never seen
    for (const Selected& s : selected) {
        auto [it, inserted] = last_seen.emplace(s.identity->subject, s.identity->state.seen);
        if (!inserted) {
            it->second = std::max(*it->second, s.identity->state.seen);
        }
    }
    for (const HostListEntry& e : unseen) {
        last_seen.emplace(e.subject, std::nullopt);
    }
    std::vector<std::pair<std::string_view, std::optional<double>>> old;  // subject, age
    for (const auto& [subject, seen] : last_seen) {
        if (!seen) {
            old.emplace_back(subject, std::nullopt);
        } else if (now - *seen > *args.max_age) {
            old.emplace_back(subject, now - *seen);
        }
    }
    std::size_t total = last_seen.size();
    State verdict = old.empty() ? State::ok : State::critical;
    if (args.warn || args.crit) {
        verdict = args.crit && args.crit->reached(old.size(), total)   ? State::critical
                  : args.warn && args.warn->reached(old.size(), total) ? State::warning
                                                                       : State::ok;
    }
    out += fmt::format(
        "{}: {}: {} / {} hosts not checked in within {} seconds|totalhosts={} oldhosts={} currenthosts={}\n",
        escape_text(options.name), state_label(verdict), old.size(), total, seconds_text(*args.max_age), total,
        old.size(), total - old.size());
    std::size_t shown = 0;
    for (const auto& [subject, age] : old) {
        if (options.max_list > 0 && shown == options.max_list) {
            out += fmt::format("... and {} more\n", old.size() - shown);
            break;
        }
        ++shown;
        if (age) {
            out += fmt::format("{} last seen {} seconds ago\n", escape_text(subject),
                               seconds_text(std::round(*age * 1000) / 1000));
        } else {
            out += fmt::format("{} never seen\n", escape_text(subject));
        }
    }
    return severity_of(verdict);
}

// The aggregate form: the selected identities and the expected ones never
// seen (as UNKNOWN) counted by state.
int check_states(const CheckOptions& options, const CheckArgs& args, const std::vector<Selected>& selected,
                 const std::vector<HostListEntry>& unseen, std::string& out) {
    AggregateCheck aggregate;
    aggregate.label = options.name;
    aggregate.warn = args.warn;
    aggregate.crit = args.crit;
    aggregate.max_list = options.max_list;
    aggregate.verdict_first = true;
    if (!options.expect_path.empty()) {
        aggregate.perfdata = {{"unseen", std::to_string(unseen.size())}};
    }
    std::vector<CheckItem> items;
    items.reserve(selected.size() + unseen.size());
    for (const Selected& s : selected) {
        items.push_back({s.identity->subject, s.identity->name, s.identity->state.state});
    }
    for (const HostListEntry& e : unseen) {
        items.push_back({e.subject, e.name, State::unknown});
    }
    // One list in subject and name order, the never seen among the others.
    std::stable_sort(items.begin(), items.end(), [](const CheckItem& a, const CheckItem& b) {
        return std::pair(std::string_view(a.subject), a.name ? std::string_view(*a.name) : std::string_view()) <
               std::pair(std::string_view(b.subject), b.name ? std::string_view(*b.name) : std::string_view());
    });
    std::set<std::pair<std::string_view, std::optional<std::string_view>>> unseen_keys;
    for (const HostListEntry& e : unseen) {
        unseen_keys.emplace(e.subject, e.name ? std::optional<std::string_view>(*e.name) : std::nullopt);
    }
    for (CheckItem& item : items) {
        std::optional<std::string_view> name = item.name ? std::optional<std::string_view>(*item.name) : std::nullopt;
        if (item.state == State::unknown && unseen_keys.count({item.subject, name}) > 0) {
            // Listed as "SUBJECT (never seen)" or "SUBJECT (NAME, never seen)".
            item.name = item.name ? *item.name + ", never seen" : std::string("never seen");
        }
    }
    CheckOutput formatted = format_aggregate_check(aggregate, items);
    out += formatted.text;
    return formatted.code;
}

}  // namespace

int check(const CheckOptions& options, int out_fd, Diagnostics& diag) {
    auto args = parse_args(options);
    if (!args) {
        diag.error(args.error());
        return exit_code::k_usage;
    }
    // A Nagios plugin that cannot tell reports UNKNOWN, never a state.
    auto unknown = [&](const std::string& why) {
        diag.error(why);
        write_all(out_fd, fmt::format("{}: UNKNOWN: {}\n", escape_text(options.name), escape_text(why)));
        return check_code::k_unknown;
    };
    auto loaded = load_saved_state(options.state_path);
    if (!loaded) {
        return unknown(loaded.error());
    }
    std::vector<HostListEntry> expected;
    if (!options.expect_path.empty()) {
        auto list = read_host_list(options.expect_path);
        if (!list) {
            return unknown(fmt::format("--expect: {}", list.error()));
        }
        expected = std::move(list).value();
    }
    const Snapshot& snapshot = *loaded;
    auto selected = select(snapshot, options.expression);
    if (!selected) {
        diag.error(selected.error());
        return exit_code::k_usage;
    }
    std::vector<HostListEntry> unseen = never_seen(expected, *selected);
    if (selected->empty() && unseen.empty()) {
        // Never an all-zero OK: a check that watches nothing must say so.
        std::string why = options.expression.empty() ? std::string("no identities in the state file")
                                                     : fmt::format("no identities match {}", options.expression);
        write_all(out_fd, fmt::format("{}: UNKNOWN: {}\n", escape_text(options.name), escape_text(why)));
        return check_code::k_unknown;
    }
    std::string out;
    int code = args->max_age ? check_max_age(options, *args, snapshot, *selected, unseen, out)
                             : check_states(options, *args, *selected, unseen, out);
    write_all(out_fd, out);
    return code;
}

}  // namespace ev::status
