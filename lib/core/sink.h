// Source and Sink: the delivery contract between where events come from and
// where they go, so a Kafka source and sink can plug in with at-least-once
// semantics: a source hands out positions, a sink says when output is
// durable, and only then is a position acknowledged.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "core/result.h"

namespace ev {

/// Where an input line came from: a stream (a file's index in the input
/// list, stdin, later a Kafka topic-partition) and the offset just after the
/// line (bytes for files, the next message offset for Kafka), so that
/// resuming at offset reads the following line.
struct Position {
    uint32_t stream = 0;
    int64_t offset = -1;
};

/// A destination of NDJSON lines that says when output is durable.
class Sink {
public:
    virtual ~Sink() = default;
    /// Queues one line (without its newline).
    virtual void write_line(std::string_view bytes) = 0;
    /// The pending buffer, for encoders that append a line in place; end_line() after.
    virtual std::string& buffer() = 0;
    /// Ends a line appended through buffer().
    virtual void end_line() = 0;
    /// Pushes out what is queued. Succeeds only when every queued line is
    /// durable in the sink's terms (a pipe or terminal: written to the
    /// kernel; a file: written, and fsync'd where the tool promises it;
    /// Kafka: acknowledged by the broker). Fails when output has ended
    /// (ended()) too: nothing written after that may be acknowledged.
    virtual Result<void> flush() = 0;
    /// The ticket of the last line queued: lines are numbered from 1.
    virtual uint64_t ticket() const = 0;
    /// Every line up to this ticket is durable.
    virtual uint64_t durable() const = 0;
    /// True once the reader of the output has gone (EPIPE): the tool ends
    /// quietly, exit 0, as the contract says.
    virtual bool ended() const = 0;
    /// True once output failed for another reason; error() says why.
    virtual bool failed() const = 0;
    /// Why output failed.
    virtual const std::string& error() const = 0;
    /// A descriptor to poll for sinks that complete asynchronously (Kafka
    /// delivery reports), -1 for none; service() handles it when ready.
    virtual int poll_fd() const { return -1; }
    /// Handles what poll_fd() announced (delivery reports).
    virtual void service() {}
    /// True while so much output waits to become durable that the input
    /// should stop fetching (a Kafka source pauses its partitions); false
    /// again once it drained well below that (hysteresis).
    virtual bool congested() { return false; }
};

/// Something that can be told which input has been fully handled.
class Acknowledger {
public:
    virtual ~Acknowledger() = default;
    /// Everything up to and including position has durable outputs.
    virtual void acknowledge(const Position& position) = 0;
};

}  // namespace ev
