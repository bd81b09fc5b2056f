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
///
/// Its standard output goes, line by line, to the destination set_output()
/// names (the rule's "| DEST"): evroute reads it from a pipe and offers whole
/// lines, so they never tear or mix with other writers; while that
/// destination is full the pipe is not read, and the consumer waits. Without
/// one its stdout is /dev/null. Its stderr is evroute's.
class ConsumerDestination final : public PipeWriter {
public:
    using PipeWriter::PipeWriter;
    ~ConsumerDestination() override;
    /// Where its output lines go; before start().
    void set_output(Destination* target) { m_output = target; }
    const Destination* output_target() const override { return m_output; }
    Result<void> start() override;
    Result<void> started() override;
    void want(std::vector<pollfd>& fds) const override;
    void service(double now) override;
    void on_child(ChildResult& result) override;
    double deadline() const override;
    bool drained() const override;
    void close_input() override;
    bool finished() const override { return m_child == 0 && m_out_lines.empty(); }
    void abandon() override;
    uint64_t queued() const override { return PipeWriter::queued() + m_queue.retained_lines(); }

private:
    void on_broken() override;
    void after_write() override { release_read(); }
    void launch(double now);
    void release_read();
    /// Reads what its output pipe holds and hands whole lines on.
    void read_output();
    /// Hands buffered output lines to the target; false while it is full.
    bool pass_output();

    Destination* m_output = nullptr;  // the "| DEST" target; null: stdout is /dev/null
    int m_out_read = -1;              // our end of its stdout pipe (non-blocking)
    int m_out_write = -1;             // its end, kept for every instance
    std::string m_out_partial;        // a line not ended yet
    std::string m_out_lines;          // whole lines (each with its newline) not yet taken
    bool m_out_stalled = false;       // the target refused a line: stop reading
    bool m_out_skipping = false;      // inside an over-long line: dropped up to its newline

    ChildId m_child = 0;     // 0: none running
    bool m_starting = true;  // until started(): a spawn failure rejects the rules
    std::string m_start_error;
    bool m_closing = false;  // end of input: no restarts
    double m_started_at = 0;
    double m_restart_at = 0;
    Backoff m_backoff{0.1, 5};
};

}  // namespace ev::route
