// Consumer: a long-running command fed matching events on its stdin,
// supervised and restarted with backoff without losing queued events.
#pragma once

#include "route/pipe_writer.h"
#include "route/process.h"

namespace ev::route {

/// Keeps one process running. When it exits, the lines it had not yet read
/// from its pipe (counted with FIONREAD on our copy of the read end) go back
/// to the front of the queue and reach the next instance, started after a
/// backoff of 0.1 s doubling to 5 s (reset after 10 s of healthy running).
/// A line counts as delivered once the process has read all of it; until
/// then it counts as queued (and as lost if evroute gives up on it at exit).
class ConsumerDestination final : public PipeWriter {
public:
    using PipeWriter::PipeWriter;
    ~ConsumerDestination() override;
    Result<void> start() override;
    void want(std::vector<pollfd>& fds) const override;
    void service(double now) override;
    double deadline() const override;
    bool drained() const override;
    void close_input() override;
    bool finished(double now) override;
    void abandon() override;
    uint64_t queued() const override { return PipeWriter::queued() + m_queue.retained_lines(); }

private:
    void on_broken() override;
    void after_write() override { release_read(); }
    void launch(double now);
    void on_exit(const ExitStatus& status, double now);
    void release_read();

    Child m_child;
    bool m_closing = false;  // end of input: no restarts
    double m_started_at = 0;
    double m_restart_at = 0;
    double m_backoff = 0.1;
};

}  // namespace ev::route
