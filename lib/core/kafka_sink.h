// KafkaSink: output to a Kafka topic, one event line per message, keyed by
// the event's identity; a line is durable once the broker acknowledged it
// (its delivery report), which is what lets the input behind it commit.
#pragma once

#include <librdkafka/rdkafka.h>
#include <simdjson.h>

#include <cstdint>
#include <deque>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "core/diag.h"
#include "core/kafka_config.h"
#include "core/path.h"
#include "core/sink.h"
#include "core/state.h"

namespace ev {

/// The message key of an event line: canonical JSON ["SUBJECT","NAME"] (the
/// identity), or with key_fields the array of those fields' values (null
/// when missing). Empty when the line has no identity (no key) or is not
/// a JSON object.
std::string kafka_key(simdjson::dom::parser& parser, std::string_view line, const std::vector<Path>& key_fields);

/// Produces each line as one message to a topic.
class KafkaSink final : public Sink {
public:
    /// Connects a producer to topic; key_fields as for kafka_key(). The error
    /// names a refused property.
    static Result<std::unique_ptr<KafkaSink>> open(const KafkaOptions& options, const std::string& topic,
                                                   std::vector<Path> key_fields, Diagnostics& diag);
    ~KafkaSink() override;
    KafkaSink(const KafkaSink&) = delete;
    KafkaSink& operator=(const KafkaSink&) = delete;

    void write_line(std::string_view bytes) override;
    std::string& buffer() override { return m_line; }
    void end_line() override;

    /// Waits until the broker acknowledged every line produced. After a stop
    /// signal it waits k_stop_wait_ms at most, then fails: the undelivered
    /// lines' input was never committed, so it is read again on restart.
    Result<void> flush() override;

    uint64_t ticket() const override { return m_ticket; }
    uint64_t durable() const override { return m_durable; }
    bool ended() const override { return false; }
    bool failed() const override { return m_failed; }
    const std::string& error() const override { return m_error; }
    int poll_fd() const override { return m_wake[0]; }
    void service() override;
    /// More than 3/4 of queue.buffering.max.messages in flight, until it
    /// falls under 1/4.
    bool congested() override;

    /// Makes the sink write the tool's self-status (evkit.TOOL.kafka) into
    /// its own stream when the brokers go away and come back: for a tool's
    /// main output only, where an extra line disturbs no line accounting.
    void set_self_status(bool on) { m_self_status = on; }

    /// How long flush() keeps trying once a stop was requested.
    static constexpr int k_stop_wait_ms = 5000;

private:
    KafkaSink(Diagnostics& diag, std::string topic, std::vector<Path> key_fields);
    void produce(std::string_view bytes);
    void poll(int timeout_ms);
    void send_status();
    void queue_status(State state, std::string_view text);
    void delivered(uint64_t ticket, rd_kafka_resp_err_t err);
    void fail(std::string message);

    static void on_delivery(rd_kafka_t*, const rd_kafka_message_t* message, void* opaque);
    static void on_error(rd_kafka_t*, int err, const char* reason, void* opaque);

    Diagnostics& m_diag;
    std::string m_topic;
    std::vector<Path> m_key_fields;
    rd_kafka_t* m_rk = nullptr;
    rd_kafka_topic_t* m_rkt = nullptr;
    simdjson::dom::parser m_parser;
    std::string m_line;
    std::string m_key;
    uint64_t m_ticket = 0;
    uint64_t m_durable = 0;
    std::deque<bool> m_done;  // tickets after m_durable: delivered yet?
    int m_wake[2] = {-1, -1};
    unsigned m_since_poll = 0;
    uint64_t m_queue_limit = 100000;  // queue.buffering.max.messages
    bool m_congested = false;
    bool m_failed = false;
    bool m_outage = false;
    bool m_self_status = false;
    std::vector<std::string> m_status;  // self-status lines to produce before the next line
    std::string m_error;
};

}  // namespace ev
