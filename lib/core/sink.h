// Source and Sink: the delivery contract between where events come from and
// where they go, so a Kafka source and sink can plug in with at-least-once
// semantics: a source hands out positions, a sink says when output is
// durable, and only then is a position acknowledged.
#pragma once

#include <cstdint>
#include <string_view>

#include "core/result.h"

namespace ev {

/// Where an input line came from: stream (file index or partition) and offset.
struct Position {
    uint32_t stream = 0;
    int64_t offset = -1;
};

/// A destination of NDJSON lines whose flush() reports durability.
class Sink {
public:
    virtual ~Sink() = default;
    /// Queues one line (without its newline).
    virtual void write_line(std::string_view bytes) = 0;
    /// Succeeds only when every queued line is durable in the sink's terms
    /// (a pipe: written to the kernel; Kafka: acknowledged by the broker).
    virtual Result<void> flush() = 0;
};

/// Something that can be told which input has been fully handled.
class Acknowledger {
public:
    virtual ~Acknowledger() = default;
    /// Everything up to and including position has durable outputs.
    virtual void acknowledge(const Position& position) = 0;
};

}  // namespace ev
