#include "batch/silences.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <unordered_set>

#include "core/atomic_file.h"
#include "core/file_lock.h"
#include "core/id.h"
#include "core/json.h"
#include "core/text.h"
#include "core/timestamp.h"

namespace ev::batch {

namespace {

// The last second RFC 3339 can write: 9999-12-31T23:59:59Z.
constexpr double k_last_time = 253402300799;

// A time field: a number of epoch seconds, or a string holding epoch seconds
// or RFC 3339; from 1970 to the end of year 9999, so the file can write it.
Result<double> time_field(simdjson::dom::element value, const char* field) {
    double t = 0;
    if (value.get_double().get(t) != simdjson::SUCCESS) {
        std::string_view text;
        if (value.get_string().get(text) != simdjson::SUCCESS) {
            return make_error(fmt::format("{}: must be epoch seconds or an RFC 3339 string", field));
        }
        auto parsed = parse_timestamp(text);
        if (!parsed) {
            return make_error(fmt::format("{}: {}", field, parsed.error()));
        }
        t = *parsed;
    }
    if (!(t >= 0 && t <= k_last_time)) {
        return make_error(fmt::format("{}: must lie between 1970 and the end of 9999", field));
    }
    return t;
}

// An optional string field into out; an error when present and not a string.
Result<void> string_field(simdjson::dom::object object, const char* field, std::string& out) {
    auto value = object[field];
    if (value.error() == simdjson::NO_SUCH_FIELD) {
        return {};
    }
    std::string_view text;
    if (value.error() != simdjson::SUCCESS || value.get_string().get(text) != simdjson::SUCCESS) {
        return make_error(fmt::format("{}: must be a string", field));
    }
    out.assign(text);
    return {};
}

}  // namespace

Result<Silence> parse_silence(simdjson::dom::element element, const SilenceDefaults& defaults) {
    simdjson::dom::object object;
    if (element.get_object().get(object) != simdjson::SUCCESS) {
        return make_error("a silence must be a JSON object");
    }
    Silence s;
    for (auto [field, target] : {std::pair{"id", &s.id}, std::pair{"match", &s.match}, std::pair{"comment", &s.comment},
                                 std::pair{"author", &s.author}}) {
        if (auto got = string_field(object, field, *target); !got) {
            return std::move(got).take_error();
        }
    }
    if (trim(s.match).empty()) {
        return make_error("match: an expression is required (`true` silences everything)");
    }
    if (auto program = expr::Program::compile(s.match); !program) {
        return make_error("match: " + program.error());
    }
    auto ends = object["ends"];
    if (ends.error() != simdjson::SUCCESS) {
        return make_error("ends: required");
    }
    auto end = time_field(ends.value_unsafe(), "ends");
    if (!end) {
        return std::move(end).take_error();
    }
    s.ends = *end;
    s.starts = defaults.starts;
    if (auto starts = object["starts"]; starts.error() == simdjson::SUCCESS) {
        auto start = time_field(starts.value_unsafe(), "starts");
        if (!start) {
            return std::move(start).take_error();
        }
        s.starts = *start;
    }
    if (s.ends < s.starts) {
        return make_error("ends: before starts");
    }
    if (s.id.empty()) {
        if (defaults.require_id) {
            return make_error("id: required");
        }
        Derivation d;
        d.cause_line = defaults.line;
        d.tool = "evbatch";
        d.what = "silence";
        s.id = derived_id(d);
    }
    return s;
}

std::string silence_line(const Silence& s) {
    Json object = Json::object();
    object.set("id", Json(s.id));
    object.set("type", Json("silence"));
    object.set("match", Json(s.match));
    object.set("starts", Json(format_rfc3339(s.starts)));
    object.set("ends", Json(format_rfc3339(s.ends)));
    object.set("comment", Json(s.comment));
    object.set("author", Json(s.author));
    std::string out;
    write_canonical(object, out);
    return out;
}

Result<std::vector<Silence>> parse_silences(std::string_view text, std::string_view name) {
    std::vector<Silence> out;
    std::unordered_set<std::string> ids;
    auto walked = for_each_config_line(text, name, [&out, &ids](simdjson::dom::element element) -> Result<void> {
        SilenceDefaults defaults;
        auto s = parse_silence(element, defaults);
        if (!s) {
            return make_error(s.error());
        }
        if (!ids.insert(s->id).second) {
            return make_error(fmt::format("id: {} is given twice", s->id));
        }
        out.push_back(std::move(s).value());
        return {};
    });
    if (!walked) {
        return std::move(walked).take_error();
    }
    return out;
}

Result<std::vector<Silence>> read_silences(const std::string& path) {
    auto text = read_text_file(path, true);  // no file yet: no silences
    if (!text) {
        return std::move(text).take_error();
    }
    return parse_silences(*text, path);
}

void prune_silences(std::vector<Silence>& silences, double now) {
    std::erase_if(silences, [now](const Silence& s) { return s.ends < now - k_silence_retention; });
}

Result<void> edit_silences(const std::string& path, double now,
                           const std::function<Result<void>(std::vector<Silence>&)>& change) {
    // Held to the end: another edit waits here, so none is lost.
    auto lock = FileLock::acquire(path + ".lock", true);
    if (!lock) {
        return std::move(lock).take_error();
    }
    auto result = [&]() -> Result<void> {
        auto silences = read_silences(path);
        if (!silences) {
            return std::move(silences).take_error();
        }
        if (auto changed = change(*silences); !changed) {
            return changed;
        }
        prune_silences(*silences, now);
        std::string text;
        for (const Silence& s : *silences) {
            text += silence_line(s);
            text += '\n';
        }
        return atomic_write(path, text);
    }();
    return result;
}

struct SilenceSet::Entry {
    Silence silence;
    expr::Program program;
    bool from_file = false;
};

SilenceSet::SilenceSet(const Clock& clock) : m_clock(&clock) {}
SilenceSet::~SilenceSet() = default;
SilenceSet::SilenceSet(SilenceSet&&) noexcept = default;
SilenceSet& SilenceSet::operator=(SilenceSet&&) noexcept = default;

Result<std::unique_ptr<SilenceSet::Entry>> SilenceSet::compile(const Silence& s, bool from_file) const {
    auto program = expr::Program::compile(s.match, *m_clock);
    if (!program) {
        return make_error(fmt::format("silence {}: match: {}", s.id, program.error()));
    }
    return std::make_unique<Entry>(Entry{s, std::move(program).value(), from_file});
}

Result<void> SilenceSet::put(const Silence& s) {
    auto entry = compile(s, false);
    if (!entry) {
        return std::move(entry).take_error();
    }
    for (auto& e : m_entries) {
        if (e->silence.id == s.id) {
            e = std::move(entry).value();
            return {};
        }
    }
    m_entries.push_back(std::move(entry).value());
    return {};
}

Result<void> SilenceSet::replace_file(const std::vector<Silence>& silences) {
    std::vector<std::unique_ptr<Entry>> fresh;
    for (const Silence& s : silences) {
        auto entry = compile(s, true);
        if (!entry) {
            return std::move(entry).take_error();
        }
        fresh.push_back(std::move(entry).value());
    }
    std::erase_if(m_entries, [](const std::unique_ptr<Entry>& e) { return e->from_file; });
    for (auto& e : fresh) {
        m_entries.push_back(std::move(e));
    }
    return {};
}

bool SilenceSet::silenced(simdjson::dom::element event, double now) {
    for (auto& e : m_entries) {
        if (e->silence.active(now) && e->program.test(event)) {
            return true;
        }
    }
    return false;
}

bool SilenceSet::any_pending(double now) const {
    return std::any_of(m_entries.begin(), m_entries.end(),
                       [now](const std::unique_ptr<Entry>& e) { return now < e->silence.ends; });
}

void SilenceSet::prune(double now) {
    std::erase_if(m_entries,
                  [now](const std::unique_ptr<Entry>& e) { return e->silence.ends < now - k_silence_retention; });
}

std::size_t SilenceSet::size() const {
    return m_entries.size();
}

}  // namespace ev::batch
