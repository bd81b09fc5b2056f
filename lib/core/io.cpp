#include "core/io.h"

#include <fmt/format.h>

#include <cstdlib>

#include "core/exit_code.h"
#include "core/kafka_sink.h"
#include "core/kafka_source.h"
#include "core/self_status.h"
#include "core/writer.h"

namespace ev {

namespace {

Result<std::unique_ptr<Source>> open_source(const InputOptions& options, Sink& out, Diagnostics& diag) {
    if (options.from.empty()) {
        return std::unique_ptr<Source>(
            std::make_unique<FileSource>(options.files, options.max_line, options.block, diag));
    }
    if (!options.files.empty()) {
        return make_error("--from kafka: and FILE arguments exclude each other");
    }
    auto topics = parse_kafka_topics(options.from);
    if (!topics) {
        return make_error(fmt::format("--from: {}", topics.error()));
    }
    auto source = KafkaSource::open(options.kafka, std::move(topics).value(), options.max_line, diag);
    if (!source) {
        return std::move(source).take_error();
    }
    (*source)->set_self_status(&out);
    (*source)->set_back_pressure(&out);
    return std::unique_ptr<Source>(std::move(source).value());
}

// --kafka-dump: prints the configuration of each Kafka client the options
// make and ends the process (nothing has been opened yet).
[[noreturn]] void dump_and_exit(const InputOptions* input, const OutputOptions& output, const KafkaOptions& kafka,
                                Diagnostics& diag) {
    int code = exit_code::k_ok;
    auto dump = [&](KafkaRole role) {
        auto conf = make_kafka_conf(kafka, role);
        if (!conf) {
            diag.error(conf.error());
            code = exit_code::k_usage;
            return;
        }
        dump_kafka_conf(*conf, role);
    };
    if (input != nullptr && !input->from.empty()) {
        dump(KafkaRole::consumer);
    }
    if (is_kafka_target(output.to) || (input != nullptr && is_kafka_target(input->rejects_path))) {
        dump(KafkaRole::producer);
    }
    std::exit(code);
}

}  // namespace

Result<std::unique_ptr<Sink>> open_sink(const OutputOptions& output, const KafkaOptions& kafka, Diagnostics& diag) {
    if (kafka.dump) {
        dump_and_exit(nullptr, output, kafka, diag);
    }
    if (!kafka.self_to.empty()) {
        if (auto routed = route_self_status(kafka.self_to); !routed) {
            return std::move(routed).take_error();
        }
    }
    std::vector<Path> key_fields;
    for (const std::string& field : output.key_fields) {
        auto path = Path::parse(field);
        if (!path) {
            return make_error(fmt::format("--key {}: {}", field, path.error()));
        }
        key_fields.push_back(std::move(path).value());
    }
    if (output.to.empty()) {
        if (!key_fields.empty()) {
            return make_error("--key needs --to kafka:TOPIC");
        }
        return std::unique_ptr<Sink>(std::make_unique<Writer>(1));
    }
    auto topics = parse_kafka_topics(output.to);
    if (!topics) {
        return make_error(fmt::format("--to: {}", topics.error()));
    }
    if (topics->size() != 1) {
        return make_error("--to names one topic");
    }
    auto sink = KafkaSink::open(kafka, topics->front(), std::move(key_fields), diag);
    if (!sink) {
        return std::move(sink).take_error();
    }
    (*sink)->set_self_status(true);
    return std::unique_ptr<Sink>(std::move(sink).value());
}

Result<Io> open_io(const InputOptions& input, const OutputOptions& output, Diagnostics& diag) {
    if (input.kafka.dump) {
        dump_and_exit(&input, output, input.kafka, diag);
    }
    auto sink = open_sink(output, input.kafka, diag);
    if (!sink) {
        return std::move(sink).take_error();
    }
    auto source = open_source(input, **sink, diag);
    if (!source) {
        return std::move(source).take_error();
    }
    Io io;
    io.input = std::make_unique<Input>(input, diag, std::move(source).value());
    io.out = std::move(sink).value();
    return io;
}

}  // namespace ev
