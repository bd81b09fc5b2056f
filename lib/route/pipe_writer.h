// PipeWriter: a queued destination written to a non-blocking pipe or FIFO.
#pragma once

#include "route/destination.h"

namespace ev::route {

/// Writes its queue to a non-blocking descriptor; subclasses say where the
/// descriptor comes from (a FIFO, a consumer's stdin).
class PipeWriter : public QueuedDestination {
public:
    using QueuedDestination::QueuedDestination;
    void want(std::vector<pollfd>& fds) const override;
    void flush() override;

protected:
    void queued_one() override;
    /// Writes as much as the pipe takes; false when the reader has gone (EPIPE).
    bool write_some();
    /// The reader went away; subclasses reconnect or stop.
    virtual void on_broken() = 0;
    /// Called after each successful write (consumers release and count as
    /// delivered what their process has read).
    virtual void after_write() {}

    int m_fd = -1;
    bool m_blocked = false;  // the last write stopped at EAGAIN
    // Keep sent bytes until release() says the reader has them (consumers);
    // only then are they counted as delivered.
    bool m_retain = false;
};

/// A named pipe: created when absent, opened when a reader appears, reopened
/// after the reader goes away; lines queue meanwhile.
class FifoDestination final : public PipeWriter {
public:
    using PipeWriter::PipeWriter;
    ~FifoDestination() override;
    Result<void> start() override;
    void service(double now) override;
    double deadline() const override;
    void abandon() override { lose_queue(); }

private:
    void on_broken() override;
    double m_retry_at = 0;
};

}  // namespace ev::route
