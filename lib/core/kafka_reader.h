// KafkaReader: reads one topic without a consumer group. It assigns itself
// every partition and starts each at the offset for a point in time (the
// cluster's offsets by timestamp), or, where the cluster cannot answer that
// (librdkafka's mock cannot), at the earliest retained offset: the reader then
// skips by time itself (Message::time, or a time inside the message). No
// offsets are committed and no group is coordinated, so any number of readers
// cost the brokers nothing but fetches. evrpc agents read requests this way,
// and its client reads replies and registrations.
#pragma once

#include <librdkafka/rdkafka.h>

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "core/diag.h"
#include "core/kafka_config.h"
#include "core/result.h"

namespace ev {

/// A group-less reader of every partition of one topic.
class KafkaReader {
public:
    /// Where reading starts in each partition.
    enum class From {
        time,       ///< the first message at or after since_ms (else the earliest retained)
        beginning,  ///< the earliest retained message
        end,        ///< only messages produced from now on
    };

    /// One message; the views stay valid until the next call to next().
    struct Message {
        std::string_view bytes;    ///< the payload, with simdjson padding after it
        double time = 0;           ///< the message timestamp, Unix seconds; 0 when it has none
        int32_t partition = 0;     ///< its partition
        int64_t offset = 0;        ///< its offset in the partition
        std::string_view problem;  ///< set when the message is not one acceptable line
    };

    /// What next() produced.
    enum class Status {
        message,  ///< a message
        timeout,  ///< nothing within the timeout, or a signal to act on arrived
        end,      ///< a stop was requested (SIGTERM, SIGINT)
    };

    /// Connects, waits up to wait_ms for the topic's metadata (a topic that
    /// does not exist by then is an error), finds the start offsets and
    /// assigns the partitions. Ignores options.group. max_line: a longer
    /// message is handed out with a problem set.
    static Result<std::unique_ptr<KafkaReader>> open(const KafkaOptions& options, const std::string& topic, From from,
                                                     int64_t since_ms, std::size_t max_line, Diagnostics& diag,
                                                     int wait_ms = 10000);
    ~KafkaReader();
    KafkaReader(const KafkaReader&) = delete;
    KafkaReader& operator=(const KafkaReader&) = delete;

    /// The next message; timeout_ms < 0 waits until one arrives or a stop is
    /// requested.
    Status next(Message& out, int timeout_ms);

    /// Readable when next() may have more; poll it with the tool's other
    /// descriptors (through signals::poll).
    int poll_fd() const { return m_wake[0]; }

    /// True once every partition was read up to the end it had when it was
    /// first fetched: what was there before the reader started has been seen.
    bool caught_up() const { return m_eof_count == m_partitions.size(); }

    /// True when the start offsets came from the cluster's offsets by
    /// timestamp; false when it fell back to the earliest retained offset.
    bool used_time_offsets() const { return m_used_time_offsets; }

    /// The topic's partition count.
    std::size_t partitions() const { return m_partitions.size(); }

private:
    KafkaReader(Diagnostics& diag, std::string topic, std::size_t max_line);
    bool wait(int timeout_ms);

    Diagnostics& m_diag;
    std::string m_topic;
    std::size_t m_max_line;
    rd_kafka_t* m_rk = nullptr;
    rd_kafka_queue_t* m_queue = nullptr;
    rd_kafka_topic_t* m_rkt = nullptr;
    int m_started = 0;                        // partitions being fetched
    rd_kafka_message_t* m_message = nullptr;  // the one handed out last
    std::vector<char> m_buf;                  // its bytes, with simdjson padding
    std::vector<bool> m_partitions;           // per partition: its first end of partition was seen
    std::size_t m_eof_count = 0;
    bool m_used_time_offsets = false;
    int m_wake[2] = {-1, -1};
};

}  // namespace ev
