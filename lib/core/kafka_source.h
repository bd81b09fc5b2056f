// KafkaSource: input from Kafka topics as a member of a consumer group; one
// message is one line. Offsets are committed only for positions the tool
// acknowledged (their outputs are durable), so a crash at any moment means
// re-reading, never losing.
#pragma once

#include <librdkafka/rdkafka.h>

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "core/diag.h"
#include "core/kafka_config.h"
#include "core/sink.h"
#include "core/source.h"
#include "core/state.h"

namespace ev {

/// A consumer of topics whose streams are their partitions.
class KafkaSource final : public Source {
public:
    /// Joins options.group (required) and subscribes to topics. The error
    /// names a refused property.
    static Result<std::unique_ptr<KafkaSource>> open(const KafkaOptions& options, std::vector<std::string> topics,
                                                     std::size_t max_line, Diagnostics& diag);
    ~KafkaSource() override;
    KafkaSource(const KafkaSource&) = delete;
    KafkaSource& operator=(const KafkaSource&) = delete;

    /// The next message. Its stream name is "kafka:TOPIC/PARTITION" and its
    /// line number the message's offset.
    Status next(Line& out, int timeout_ms) override;
    int poll_fd() override { return m_wake[0]; }
    /// Records position as the partition's commit point; offsets go to the
    /// group coordinator at least every k_commit_ms and when partitions are
    /// revoked or the tool ends.
    void commit(const Position& position) override;
    /// Ctrl-C stops a consumer like SIGTERM: a topic never ends by itself.
    bool drains_on_interrupt() const override { return false; }
    bool io_failed() const override { return false; }

    /// Times the consumer's position was reset because its offset fell out
    /// of the topic's retention: events were lost upstream of this tool.
    uint64_t offset_resets() const { return m_offset_resets; }

    /// Writes the tool's self-status (evkit.TOOL.kafka) to out when the
    /// brokers go away and when messages flow again, and when an offset
    /// reset lost data.
    void set_self_status(Sink* out) { m_status_out = out; }

    /// Back-pressure: while out is congested, the partitions are paused
    /// (nothing more is fetched, memory stays bounded whatever the lag) and
    /// the consumer keeps serving the group, so it stays a member however
    /// long the sink takes.
    void set_back_pressure(Sink* out) { m_pressure = out; }

    /// The counters SIGUSR1 prints: per owned partition its lag (the high
    /// watermark last seen minus the position), the pauses, the resets.
    std::string counters();

    bool reports_lag() const override { return true; }
    /// The sum over owned partitions of the lag counters() shows, from what
    /// librdkafka last saw (no request to the brokers).
    uint64_t lag() override;

    /// Times the partitions were paused for a congested sink.
    uint64_t pauses() const { return m_pauses; }

    /// How often acknowledged offsets are committed under steady load.
    static constexpr int k_commit_ms = 250;

private:
    struct Stream {
        std::string topic;
        int32_t partition = 0;
        std::string name;    // kafka:TOPIC/PARTITION
        int64_t ack = -1;    // next offset to commit
        int64_t sent = -1;   // last offset committed
        bool owned = false;  // assigned to this member now
    };

    KafkaSource(Diagnostics& diag, std::size_t max_line);
    uint32_t stream_of(const char* topic, int32_t partition);
    void commit_now(bool async);
    void rebalance(rd_kafka_resp_err_t err, rd_kafka_topic_partition_list_t* partitions);
    void report(const rd_kafka_message_t* message);
    bool wait(int timeout_ms);
    void hold_back();
    void pause_assignment(bool pause);
    void print_counters_if_asked();
    void write_status(State state, std::string_view text);
    void report_loss(std::string text);
    void notice_resets();

    static void on_commit(rd_kafka_t*, rd_kafka_resp_err_t err, rd_kafka_topic_partition_list_t* offsets, void* opaque);
    static void on_rebalance(rd_kafka_t*, rd_kafka_resp_err_t err, rd_kafka_topic_partition_list_t* partitions,
                             void* opaque);

    Diagnostics& m_diag;
    std::size_t m_max_line;
    rd_kafka_t* m_rk = nullptr;
    rd_kafka_message_t* m_message = nullptr;  // the one handed out last
    std::vector<char> m_buf;                  // its bytes, with simdjson padding
    std::vector<Stream> m_streams;
    std::map<std::pair<std::string, int32_t>, uint32_t> m_index;
    int64_t m_last_commit_ms = 0;
    bool m_dirty = false;
    bool m_stopped = false;
    bool m_closing = false;
    uint64_t m_offset_resets = 0;
    Sink* m_status_out = nullptr;
    Sink* m_pressure = nullptr;
    rd_kafka_message_t* m_early = nullptr;  // arrived while paused, handed out next
    uint64_t m_pauses = 0;
    uint64_t m_stats_seen = 0;
    uint64_t m_resets_logged = 0;  // kafka_offset_resets_logged() already reported
    bool m_outage = false;
    int m_wake[2] = {-1, -1};
};

}  // namespace ev
