#include "nagios/perfdata.h"

#include <fmt/format.h>

#include "core/escape.h"

#include "nagios/number.h"
#include "nagios/range.h"
#include "nagios/text.h"

namespace ev::nagios {

namespace {

bool is_space(char c) {
    return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f';
}

// Returns the item's end: the first space outside a quoted label.
std::size_t item_end(std::string_view text, std::size_t begin) {
    std::size_t i = begin;
    if (i < text.size() && text[i] == '\'') {
        ++i;
        bool closed = false;
        while (i < text.size()) {
            if (text[i] == '\'') {
                if (i + 1 < text.size() && text[i + 1] == '\'') {
                    i += 2;
                    continue;
                }
                ++i;
                closed = true;
                break;
            }
            ++i;
        }
        if (!closed) {
            i = begin;  // an unterminated quote must not swallow the items after it
        }
    }
    while (i < text.size() && !is_space(text[i])) {
        ++i;
    }
    return i;
}

// Splits "a;b;c" into at most five fields.
std::vector<std::string_view> split_fields(std::string_view text) {
    std::vector<std::string_view> fields;
    std::size_t begin = 0;
    while (true) {
        std::size_t semi = text.find(';', begin);
        if (semi == std::string_view::npos) {
            fields.push_back(text.substr(begin));
            break;
        }
        fields.push_back(text.substr(begin, semi - begin));
        begin = semi + 1;
    }
    return fields;
}

Result<PerfItem> parse_item(std::string_view text) {
    PerfItem item;
    std::string_view rest;
    if (text.front() == '\'') {
        std::size_t i = 1;
        bool closed = false;
        while (i < text.size()) {
            if (text[i] == '\'') {
                if (i + 1 < text.size() && text[i + 1] == '\'') {
                    item.label += '\'';
                    i += 2;
                    continue;
                }
                closed = true;
                ++i;
                break;
            }
            item.label += text[i];
            ++i;
        }
        if (!closed) {
            return make_error("unterminated quoted label");
        }
        if (i >= text.size() || text[i] != '=') {
            return make_error("expected '=' after the quoted label");
        }
        rest = text.substr(i + 1);
    } else {
        std::size_t eq = text.find('=');
        if (eq == std::string_view::npos) {
            return make_error("no '='");
        }
        item.label = std::string(text.substr(0, eq));
        rest = text.substr(eq + 1);
    }
    if (item.label.empty()) {
        return make_error("empty label");
    }
    std::vector<std::string_view> fields = split_fields(rest);
    if (fields.size() > 5) {
        // Some plugins end items with a stray ';'; more than that is not perfdata.
        for (std::size_t i = 5; i < fields.size(); ++i) {
            if (!fields[i].empty()) {
                return make_error("more than five ';' fields");
            }
        }
    }
    std::string_view value = fields[0];
    if (value.empty()) {
        return make_error("no value");
    }
    if (value == "U") {
        item.value = std::nullopt;
    } else {
        auto number = parse_number_prefix(value);
        if (!number) {
            return make_error(fmt::format("bad value '{}'", escape_prefix(value)));
        }
        item.value = number->first;
        std::string_view unit = value.substr(number->second);
        if (!unit.empty()) {
            char c = unit.front();
            if ((c >= '0' && c <= '9') || c == '.' || c == ',' || c == '-' || c == '+') {
                return make_error(fmt::format("bad value '{}'", escape_prefix(value)));
            }
        }
        item.unit = std::string(unit);
    }
    for (std::size_t i = 1; i < 3 && i < fields.size(); ++i) {
        if (fields[i].empty()) {
            continue;
        }
        if (auto range = parse_range(fields[i]); !range) {
            return make_error(fmt::format("bad {} threshold '{}': {}", i == 1 ? "warning" : "critical",
                                          escape_prefix(fields[i]), range.error()));
        }
        (i == 1 ? item.warn : item.crit) = std::string(fields[i]);
    }
    for (std::size_t i = 3; i < 5 && i < fields.size(); ++i) {
        if (fields[i].empty()) {
            continue;
        }
        auto number = parse_number(fields[i]);
        if (!number) {
            return make_error(fmt::format("bad {} '{}'", i == 3 ? "min" : "max", escape_prefix(fields[i])));
        }
        (i == 3 ? item.min : item.max) = *number;
    }
    return item;
}

}  // namespace

void parse_perfdata_into(std::string_view text, Perfdata& out) {
    auto listed = [&out] {
        if (out.problems.size() < k_max_perf_problems) {
            return true;
        }
        if (out.problems.size() == k_max_perf_problems) {
            out.problems.push_back(
                fmt::format("more than {} malformed items: the others are not listed", k_max_perf_problems));
        }
        return false;
    };
    std::size_t i = 0;
    while (i < text.size()) {
        if (is_space(text[i])) {
            ++i;
            continue;
        }
        std::size_t end = item_end(text, i);
        std::string_view raw = text.substr(i, end - i);
        i = end;
        auto item = parse_item(raw);
        if (!item) {
            if (listed()) {
                out.problems.push_back(fmt::format("item '{}': {}", escape_prefix(raw), item.error()));
            }
        } else if (out.items.size() < k_max_perf_items) {
            out.items.push_back(std::move(item).value());
        } else if (!out.items_cut) {
            out.items_cut = true;
            if (listed()) {
                out.problems.push_back(fmt::format("more than {} items: the rest are skipped", k_max_perf_items));
            }
        }
    }
}

Perfdata parse_perfdata(std::string_view text) {
    Perfdata out;
    parse_perfdata_into(text, out);
    return out;
}

Json perf_item_json(const PerfItem& item) {
    Json j = Json::object();
    j.set("label", valid_utf8(item.label));
    j.set("value", item.value ? Json(*item.value) : Json());
    j.set("unit", item.unit.empty() ? Json() : Json(valid_utf8(item.unit)));
    j.set("warn", item.warn.empty() ? Json() : Json(item.warn));
    j.set("crit", item.crit.empty() ? Json() : Json(item.crit));
    j.set("min", item.min ? Json(*item.min) : Json());
    j.set("max", item.max ? Json(*item.max) : Json());
    return j;
}

}  // namespace ev::nagios
