// Consumer: a long-running command fed matching events on its stdin,
// supervised through the process layer (core/child_set.h) and restarted
// with backoff without losing queued events.
#pragma once

#include "core/backoff.h"
#include "core/child_set.h"
#include "route/pipe_writer.h"

namespace ev::route {

/// Keeps one process running. When it exits, the lines it had not yet read
/// from its pipe (ChildSet counts them through its copy of the read end) go
/// back to the front of the queue and reach the next instance, started
/// after a backoff of 0.1 s doubling to 5 s (reset after 10 s of healthy
/// running). A line counts as delivered, and its event as done here, once
/// the process has read all of it; until then it counts as queued (and as
/// lost if evroute gives up on it at exit).
class ConsumerDestination final : public PipeWriter {
public:
    using PipeWriter::PipeWriter;
    ~ConsumerDestination() override;
    Result<void> start() override;
    Result<void> started() override;
    void service(double now) override;
    void on_child(ChildResult& result) override;
    double deadline() const override;
    bool drained() const override;
    void close_input() override;
    bool finished() const override { return m_child == 0; }
    void abandon() override;
    uint64_t queued() const override { return PipeWriter::queued() + m_queue.retained_lines(); }

private:
    void on_broken() override;
    void after_write() override { release_read(); }
    void launch(double now);
    void release_read();

    ChildId m_child = 0;     // 0: none running
    bool m_starting = true;  // until started(): a spawn failure rejects the rules
    std::string m_start_error;
    bool m_closing = false;  // end of input: no restarts
    double m_started_at = 0;
    double m_restart_at = 0;
    Backoff m_backoff{0.1, 5};
};

}  // namespace ev::route
