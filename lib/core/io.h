// Opening a tool's input and output from its options: files, stdin and
// stdout by default, Kafka topics with --from kafka:T and --to kafka:T.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "core/diag.h"
#include "core/input.h"
#include "core/kafka_config.h"
#include "core/sink.h"

namespace ev {

/// Where a tool writes its events.
struct OutputOptions {
    std::string to;                       ///< empty: stdout; kafka:TOPIC
    std::vector<std::string> key_fields;  ///< --key: message key fields instead of the identity
};

/// A tool's opened input and output.
struct Io {
    std::unique_ptr<Sink> out;  // first: it outlives the input, which may report to it
    std::unique_ptr<Input> input;
};

/// Opens the source (Kafka with --from, else the files or stdin) under the
/// input policy, and the sink (Kafka with --to, else stdout). Errors are
/// usage errors: conflicting options, a refused Kafka property.
Result<Io> open_io(const InputOptions& input, const OutputOptions& output, Diagnostics& diag);

/// Opens only the sink, for tools that make events rather than read them.
Result<std::unique_ptr<Sink>> open_sink(const OutputOptions& output, const KafkaOptions& kafka, Diagnostics& diag);

}  // namespace ev
