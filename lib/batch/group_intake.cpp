// evbatch group: events into groups (status events to members, silence
// events to the silence set), under the bad-input policy.
#include <cmath>

#include "batch/group_run.h"
#include "core/clock.h"
#include "core/state.h"

namespace ev::batch::group_detail {

namespace {

// Records handled per turn of the loop, between looks at timers and signals.
constexpr int k_burst = 4096;

// The type of a silence event in the stream.
constexpr std::string_view k_silence_type = "silence";

// The state of a status event: `state`, else `severity`; nothing when it has neither.
enum class StateField { ok, missing, bad };
StateField read_state(simdjson::dom::element root, State& state) {
    simdjson::dom::object obj = root.get_object().value_unsafe();
    std::string_view name;
    auto field = obj["state"];
    if (field.error() == simdjson::SUCCESS) {
        if (field.get_string().get(name) != simdjson::SUCCESS) {
            return StateField::bad;
        }
        auto parsed = parse_state(name);
        if (!parsed) {
            return StateField::bad;
        }
        state = *parsed;
        return StateField::ok;
    }
    int64_t severity = 0;
    auto sev = obj["severity"];
    if (sev.error() == simdjson::SUCCESS) {
        auto parsed = sev.get_int64().get(severity) == simdjson::SUCCESS ? state_from_severity(severity) : std::nullopt;
        if (!parsed) {
            return StateField::bad;
        }
        state = *parsed;
        return StateField::ok;
    }
    return StateField::missing;
}

std::string_view string_or_empty(simdjson::dom::element root, const char* key) {
    std::string_view s;
    if (root[key].get_string().get(s) != simdjson::SUCCESS) {
        return {};
    }
    return s;
}

}  // namespace

void GroupRun::read_input() {
    for (int n = 0; n < k_burst && reading(); ++n) {
        Input::Next got = m_input.next(m_record, 0);
        if (got == Input::Next::timeout) {
            m_input_idle = true;
            return;
        }
        m_input_idle = false;
        if (got == Input::Next::end) {
            m_input_done = true;
            return;
        }
        take_record();
        m_acks.passed(m_record.position);
        if (m_files != nullptr) {
            if (m_record.position.stream >= m_read.size()) {
                m_read.resize(m_record.position.stream + 1, -1);
            }
            m_read[m_record.position.stream] = m_record.position.offset;
        }
    }
    m_input_idle = false;
}

void GroupRun::take_record() {
    if (!m_plan.event_time) {
        m_now = wall_clock().now();
        m_grouper.advance(m_now, m_due);
        queue_due();
    }
    if (string_or_empty(m_record.root, "type") == k_silence_type) {
        take_silence();
        return;
    }
    State state = State::ok;
    StateField got_state = read_state(m_record.root, state);
    if (got_state == StateField::missing) {
        return;  // not a status (a metric, say): nothing to group
    }
    if (got_state == StateField::bad) {
        m_input.reject(m_record, "bad state or severity");
        return;
    }
    std::string_view subject = string_or_empty(m_record.root, "subject");
    if (subject.empty()) {
        m_input.reject(m_record, "status without a subject");
        return;
    }
    if (m_plan.event_time) {
        double t = 0;
        if (m_record.root["time"].get_double().get(t) != simdjson::SUCCESS || !std::isfinite(t)) {
            m_input.reject(m_record, "no time field (--clock event)");
            return;
        }
        // Event time never runs backwards: a late event counts at the latest time seen.
        if (!m_have_time || t > m_now) {
            m_now = t;
            m_have_time = true;
        }
        m_event_clock.set(m_now);
        m_grouper.advance(m_now, m_due);
        queue_due();
    }
    std::string_view id = string_or_empty(m_record.root, "id");
    if (m_recent.contains(id)) {
        return;  // applied moments ago (a replay): adding it again could only undo what came after
    }
    double time = 0;
    if (m_record.root["time"].get_double().get(time) != simdjson::SUCCESS || !std::isfinite(time)) {
        time = 0;
    }
    m_key.build(m_record.root, state_name(state), m_key_text);
    std::string_view name = string_or_empty(m_record.root, "name");
    m_inhibitor.update(subject, name, m_record.root, state);
    m_grouper.add(m_key_text, subject, name, state, id, m_record.line, m_now, m_record.position, time);
    m_recent.insert(id);
}

// A `"type":"silence"` event adds or replaces a silence; it starts at its
// own `time` (or now) unless it says otherwise.
void GroupRun::take_silence() {
    double start = m_now;
    double t = 0;
    if (m_record.root["time"].get_double().get(t) == simdjson::SUCCESS && std::isfinite(t)) {
        start = t;
        if (m_plan.event_time && (!m_have_time || t > m_now)) {
            m_now = t;
            m_have_time = true;
            m_event_clock.set(m_now);
            m_grouper.advance(m_now, m_due);
            queue_due();
        }
    } else if (!m_plan.event_time) {
        start = wall_clock().now();
    }
    SilenceDefaults defaults;
    defaults.starts = start;
    defaults.require_id = false;
    defaults.line = m_record.line;
    auto silence = parse_silence(m_record.root, defaults);
    if (!silence) {
        m_input.reject(m_record, "bad silence: " + silence.error());
        return;
    }
    if (auto put = m_silences.put(*silence); !put) {
        m_input.reject(m_record, "bad silence: " + put.error());
        return;
    }
    m_silences.prune(m_now);
}

}  // namespace ev::batch::group_detail
