// Callback: a command run once per event, the event on its stdin and its
// identity in EV_* environment variables; capped concurrency, a timeout.
#pragma once

#include <simdjson.h>

#include <string>
#include <vector>

#include "route/destination.h"
#include "route/process.h"

namespace ev::route {

/// The EV_* environment a callback gets for one event line: EV_SUBJECT,
/// EV_NAME, EV_TYPE, EV_STATE (from state, else from severity) and EV_ID.
std::vector<std::string> callback_environment(simdjson::dom::element event);

/// Runs its argv per queued line, at most Context::callback_concurrency at
/// once; a call past Context::callback_timeout is killed (its process group,
/// SIGKILL). Failures are counted and reported through Context::report.
class CallbackDestination final : public QueuedDestination {
public:
    CallbackDestination(DestSpec spec, Context& ctx);
    ~CallbackDestination() override;
    void want(std::vector<pollfd>& fds) const override;
    void service(double now) override;
    double deadline() const override;
    bool drained() const override { return QueuedDestination::drained() && m_runs.empty(); }
    bool finished(double now) override;
    void abandon() override;

private:
    // One running call.
    struct Run {
        Child child;
        std::string event;  // the line, for stdin and for the failure report
        std::size_t written = 0;
        double deadline = 0;
        bool timed_out = false;
    };

    void launch(std::string_view line, double now);
    void feed(Run& run);
    void failed(const std::string& event, const std::string& why, const ExitStatus* status, bool timed_out);

    std::vector<Run> m_runs;
    simdjson::dom::parser m_parser;
};

}  // namespace ev::route
