#include "core/aggregate_check.h"

#include <array>
#include <charconv>
#include <cmath>

#include <fmt/format.h>

#include "core/escape.h"

namespace ev {

bool Threshold::reached(std::size_t count, std::size_t total) const {
    if (percent) {
        return total > 0 && static_cast<double>(count) * 100.0 >= value * static_cast<double>(total);
    }
    return static_cast<double>(count) >= value;
}

Result<Threshold> parse_threshold(std::string_view text) {
    Threshold t;
    std::string_view number = text;
    if (!number.empty() && number.back() == '%') {
        t.percent = true;
        number.remove_suffix(1);
    }
    auto [ptr, ec] = std::from_chars(number.data(), number.data() + number.size(), t.value);
    if (number.empty() || ec != std::errc() || ptr != number.data() + number.size() || !std::isfinite(t.value) ||
        t.value < 0) {
        return make_error(fmt::format("bad threshold '{}': expected a count N or a percentage N%", text));
    }
    return t;
}

CheckOutput format_aggregate_check(const AggregateCheck& check, const std::vector<CheckItem>& items) {
    CheckOutput out;
    std::string label = check.label.empty() ? std::string() : escape_text(check.label) + ": ";
    if (items.empty() && !check.nothing_matched.empty()) {
        out.code = severity_of(State::unknown);
        out.text = fmt::format("{}UNKNOWN: {}\n", label, escape_text(check.nothing_matched));
        return out;
    }
    std::array<std::vector<const CheckItem*>, 4> by_state;
    for (const CheckItem& item : items) {
        by_state[static_cast<std::size_t>(item.state)].push_back(&item);
    }
    auto count = [&](State st) { return by_state[static_cast<std::size_t>(st)].size(); };
    std::size_t total = items.size();
    std::size_t non_ok = total - count(State::ok);
    const bool thresholds = check.warn || check.crit;
    State verdict = State::ok;
    if (total == 0) {
        verdict = State::unknown;
    } else if (thresholds) {
        if (check.crit && check.crit->reached(non_ok, total)) {
            verdict = State::critical;
        } else if (check.warn && check.warn->reached(non_ok, total)) {
            verdict = State::warning;
        }
    } else if (count(State::critical) > 0) {
        verdict = State::critical;
    } else if (count(State::unknown) > 0) {
        verdict = State::unknown;
    } else if (count(State::warning) > 0) {
        verdict = State::warning;
    }
    out.code = severity_of(verdict);
    out.text = label;
    if (thresholds && check.verdict_first) {
        out.text += state_label(verdict);
        out.text += ": ";
    }
    out.text +=
        fmt::format("OK: {} WARNING: {} CRITICAL: {} UNKNOWN: {}|total={} ok={} warn={} crit={} unknown={}",
                    count(State::ok), count(State::warning), count(State::critical), count(State::unknown), total,
                    count(State::ok), count(State::warning), count(State::critical), count(State::unknown));
    for (const auto& [key, value] : check.perfdata) {
        out.text += ' ';
        append_escaped(key, out.text);
        out.text += '=';
        append_escaped(value, out.text);
    }
    out.text += '\n';
    for (State st : {State::critical, State::warning, State::unknown}) {
        const auto& listed = by_state[static_cast<std::size_t>(st)];
        if (listed.empty()) {
            continue;
        }
        out.text += state_label(st);
        out.text += ':';
        std::size_t shown = 0;
        for (const CheckItem* item : listed) {
            if (check.max_list > 0 && shown == check.max_list) {
                out.text += fmt::format(", ... and {} more", listed.size() - shown);
                break;
            }
            out.text += shown == 0 ? " " : ", ";
            ++shown;
            append_escaped(item->subject, out.text);
            if (item->name) {
                out.text += " (";
                append_escaped(*item->name, out.text);
                out.text += ')';
            }
        }
        out.text += '\n';
    }
    return out;
}

}  // namespace ev
