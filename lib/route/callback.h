// Callback: a command run once per event, the event on its stdin and its
// identity in EV_* environment variables; capped concurrency, a timeout.
#pragma once

#include <simdjson.h>

#include <string>
#include <vector>

#include "core/child_set.h"
#include "route/destination.h"

namespace ev::route {

/// The EV_* environment a callback gets for one event line: EV_SUBJECT,
/// EV_NAME, EV_TYPE, EV_STATE (from state, else from severity) and EV_ID.
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
