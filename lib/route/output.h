// Output: destinations written through a Sink: files (a Writer each) and
// standard output (the Sink the main built), so every flush is checked and
// an event counts as written only once the sink says it is durable.
#pragma once

#include <memory>

#include "core/writer.h"
#include "route/destination.h"

namespace ev::route {

/// Lines written straight into a sink: taken at once, done when the sink
/// reports them durable (flushed), lost when its output fails.
class SinkDestination : public Destination {
public:
    using Destination::Destination;
    bool offer(std::string_view line, uint64_t number) override;
    void flush() override;
    bool drained() const override { return m_numbers.empty(); }
    uint64_t queued() const override { return m_numbers.size(); }

protected:
    /// Writes into sink from now on; lines it holds already are not ours.
    void attach(Sink* sink);
    /// Accounts for what the sink made durable, or lost when it failed.
    void settle();
    /// The sink's reader has gone (EPIPE).
    virtual void on_ended() {}

    Sink* m_sink = nullptr;

private:
    void give_up();

    uint64_t m_seen = 0;  // sink tickets accounted for
    bool m_reported = false;
    bool m_gone = false;  // the sink's output ended or failed: lines are lost
};

/// A file opened for appending; SIGHUP reopens it so logrotate works.
class FileDestination final : public SinkDestination {
public:
    using SinkDestination::SinkDestination;
    ~FileDestination() override;
    Result<void> start() override;
    void reopen() override;

private:
    int m_fd = -1;
    std::unique_ptr<Writer> m_out;
};

/// A Kafka topic (kafka:TOPIC in rules), keyed by identity like --to: lines
/// are done when their delivery reports arrive, which the router's loop
/// serves without ever waiting on the broker, so a slow or absent broker
/// holds back only this destination (its producer queue is the bound).
class KafkaDestination final : public SinkDestination {
public:
    using SinkDestination::SinkDestination;
    Result<void> start() override;
    void want(std::vector<pollfd>& fds) const override;
    void service(double now) override;
    void flush() override { service(0); }

private:
    std::unique_ptr<Sink> m_producer;
};

/// Standard output when it is a terminal or a regular file: plain buffered
/// writes through the main's Sink.
class StdoutDestination final : public SinkDestination {
public:
    using SinkDestination::SinkDestination;
    Result<void> start() override;

private:
    void on_ended() override;
};

/// Standard output when it is a pipe or socket: the Sink is handed at most
/// PIPE_BUF bytes whenever the pipe polls writable (a piece of a longer
/// line included), so a write never blocks, and evroute never sets
/// O_NONBLOCK on a descriptor other processes may share. A slow reader
/// fills this destination's queue rather than stalling the others.
class StdoutPipeDestination final : public QueuedDestination {
public:
    using QueuedDestination::QueuedDestination;
    bool offer(std::string_view line, uint64_t number) override;
    void want(std::vector<pollfd>& fds) const override;
    void service(double now) override { write_some(); }
    void flush() override { write_some(); }
    void abandon() override { lose_queue(); }

private:
    void queued_one() override;
    void write_some();
    void fail(const std::string& why);

    bool m_ended = false;  // the reader has gone, or output failed
};

}  // namespace ev::route
