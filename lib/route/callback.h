// Callback: a command run once per event, the event on its stdin and its
// identity in EV_* environment variables; capped concurrency, a timeout.
#pragma once

#include <simdjson.h>

#include <string>
#include <vector>

#include "core/child_set.h"
#include "route/destination.h"

namespace ev::route {

/// Bytes an EV_* value holds at most (k_env_value_bytes): a huge field cannot make a spawn fail with E2BIG.
constexpr std::size_t k_env_value_bytes = 4096;
/// EV_TAG_* variables a call gets at most.
constexpr std::size_t k_env_tags = 64;

/// The EV_* environment a callback gets for one event line: EV_SUBJECT,
/// EV_NAME, EV_TYPE, EV_STATE (from state, else from severity), EV_PREVIOUS,
/// EV_REASON, EV_MESSAGE, EV_SINCE, EV_ID (empty when absent), and
/// EV_TAG_<KEY> per string tag (the key upper-cased, every character other
/// than A-Z, 0-9 and _ made _; of keys that collide the first in byte order
/// wins; the first k_env_tags names in byte order). Values are escaped as
/// docs/decisions.md "Output" says (control characters never pass) and cut
/// to k_env_value_bytes at a character boundary.
std::vector<std::string> callback_environment(simdjson::dom::element event);

/// Runs its argv per queued line through the process layer, at most
/// Context::callback_concurrency at once. A call still running after
/// Context::callback_timeout gets SIGTERM to its process group, then SIGKILL
/// Context::callback_kill_grace later. Failures are counted and reported
/// through Context::report; an event is written here when its call has ended.
class CallbackDestination final : public QueuedDestination {
public:
    using QueuedDestination::QueuedDestination;
    ~CallbackDestination() override;
    void service(double now) override;
    void on_child(ChildResult& result) override;
    bool drained() const override { return QueuedDestination::drained() && m_runs.empty(); }
    bool finished() const override { return m_runs.empty(); }
    void abandon() override;
    uint64_t oldest_held() const override;

private:
    // One running call.
    struct Run {
        ChildId id = 0;
        uint64_t number = 0;  // its event (Delivery)
        std::string event;    // the line, for the failure report
    };

    void launch(std::string_view line, uint64_t number);
    void failed(const std::string& event, const std::string& why, const ChildResult& result);

    std::vector<Run> m_runs;
    simdjson::dom::parser m_parser;
};

}  // namespace ev::route
