#include "core/kafka_reader.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include <fmt/format.h>
#include <simdjson.h>

#include "core/clock.h"
#include "core/signals.h"

namespace ev {

namespace {

int64_t now_ms() {
    return static_cast<int64_t>(steady_now() * 1000);
}

// The topic's partition count, asking until the topic exists or wait_ms ran out.
Result<int> partition_count(rd_kafka_t* rk, const std::string& topic, int wait_ms) {
    rd_kafka_topic_t* rkt = rd_kafka_topic_new(rk, topic.c_str(), nullptr);
    int64_t deadline = now_ms() + wait_ms;
    std::string why = "no answer";
    for (;;) {
        const rd_kafka_metadata_t* md = nullptr;
        int left = static_cast<int>(deadline - now_ms());
        rd_kafka_resp_err_t err = rd_kafka_metadata(rk, 0, rkt, &md, left > 1000 ? 1000 : (left > 0 ? left : 1));
        if (err == RD_KAFKA_RESP_ERR_NO_ERROR && md->topic_cnt == 1) {
            rd_kafka_resp_err_t terr = md->topics[0].err;
            int count = md->topics[0].partition_cnt;
            rd_kafka_metadata_destroy(md);
            if (terr == RD_KAFKA_RESP_ERR_NO_ERROR && count > 0) {
                rd_kafka_topic_destroy(rkt);
                return count;
            }
            why = rd_kafka_err2str(terr);
        } else {
            if (md != nullptr) {
                rd_kafka_metadata_destroy(md);
            }
            why = rd_kafka_err2str(err);
        }
        if (now_ms() >= deadline || signals::stop_requested_now()) {
            rd_kafka_topic_destroy(rkt);
            return make_error(fmt::format("kafka: topic {}: {}", topic, why));
        }
        signals::sleep_ms(100);
    }
}

}  // namespace

KafkaReader::KafkaReader(Diagnostics& diag, std::string topic, std::size_t max_line)
    : m_diag(diag), m_topic(std::move(topic)), m_max_line(max_line) {}

Result<std::unique_ptr<KafkaReader>> KafkaReader::open(const KafkaOptions& options, const std::string& topic, From from,
                                                       int64_t since_ms, std::size_t max_line, Diagnostics& diag,
                                                       int wait_ms) {
    KafkaOptions no_group = options;
    no_group.group.clear();
    auto conf = make_kafka_conf(no_group, KafkaRole::consumer);
    if (!conf) {
        return std::move(conf).take_error();
    }
    char errstr[512];
    // The end of each partition tells caught_up() that the backlog was read.
    if (rd_kafka_conf_set(conf->get(), "enable.partition.eof", "true", errstr, sizeof errstr) != RD_KAFKA_CONF_OK) {
        return make_error(fmt::format("kafka consumer: {}", errstr));
    }
    std::unique_ptr<KafkaReader> reader(new KafkaReader(diag, topic, max_line));
    reader->m_rk = rd_kafka_new(RD_KAFKA_CONSUMER, conf->release(), errstr, sizeof errstr);
    if (reader->m_rk == nullptr) {
        return make_error(fmt::format("kafka consumer: {}", errstr));
    }
    if (::pipe2(reader->m_wake, O_CLOEXEC | O_NONBLOCK) != 0) {
        return make_error("kafka consumer: cannot create its wake-up pipe");
    }
    // The simple consumer (no group at all: assign() would need one): every
    // partition feeds one queue of ours.
    reader->m_queue = rd_kafka_queue_new(reader->m_rk);
    rd_kafka_queue_io_event_enable(reader->m_queue, reader->m_wake[1], "1", 1);

    auto count = partition_count(reader->m_rk, topic, wait_ms);
    if (!count) {
        return std::move(count).take_error();
    }
    reader->m_partitions.assign(static_cast<std::size_t>(*count), false);
    rd_kafka_topic_partition_list_t* list = rd_kafka_topic_partition_list_new(*count);
    for (int p = 0; p < *count; ++p) {
        int64_t offset = from == From::end    ? RD_KAFKA_OFFSET_END
                         : from == From::time ? since_ms
                                              : RD_KAFKA_OFFSET_BEGINNING;
        rd_kafka_topic_partition_list_add(list, topic.c_str(), p)->offset = offset;
    }
    if (from == From::time) {
        rd_kafka_resp_err_t err = rd_kafka_offsets_for_times(reader->m_rk, list, wait_ms);
        bool answered = err == RD_KAFKA_RESP_ERR_NO_ERROR;
        for (int i = 0; answered && i < list->cnt; ++i) {
            answered = list->elems[i].err == RD_KAFKA_RESP_ERR_NO_ERROR;
        }
        for (int i = 0; i < list->cnt; ++i) {
            // -1 means "no message at or after the time" from a cluster that
            // keeps timestamps, but librdkafka's mock answers -1 to every
            // time: both read from the earliest retained offset, which costs
            // a re-read of old messages at worst, never a lost one.
            if (!answered || list->elems[i].offset < 0) {
                answered = false;
                list->elems[i].offset = RD_KAFKA_OFFSET_BEGINNING;
            }
            list->elems[i].err = RD_KAFKA_RESP_ERR_NO_ERROR;
        }
        reader->m_used_time_offsets = answered;
    }
    reader->m_rkt = rd_kafka_topic_new(reader->m_rk, topic.c_str(), nullptr);
    for (int i = 0; i < list->cnt; ++i) {
        if (rd_kafka_consume_start_queue(reader->m_rkt, list->elems[i].partition, list->elems[i].offset,
                                         reader->m_queue) != 0) {
            std::string why = rd_kafka_err2str(rd_kafka_last_error());
            rd_kafka_topic_partition_list_destroy(list);
            return make_error(fmt::format("kafka: cannot read {}/{}: {}", topic, i, why));
        }
        reader->m_started = i + 1;
    }
    rd_kafka_topic_partition_list_destroy(list);
    return reader;
}

KafkaReader::~KafkaReader() {
    if (m_message != nullptr) {
        rd_kafka_message_destroy(m_message);
    }
    for (int p = 0; p < m_started; ++p) {
        rd_kafka_consume_stop(m_rkt, p);
    }
    if (m_rkt != nullptr) {
        rd_kafka_topic_destroy(m_rkt);
    }
    if (m_queue != nullptr) {
        rd_kafka_queue_destroy(m_queue);
    }
    if (m_rk != nullptr) {
        rd_kafka_destroy(m_rk);
    }
    for (int fd : m_wake) {
        if (fd >= 0) {
            ::close(fd);
        }
    }
}

// Waits for the queue to become non-empty, in slices (the wake-up fires only
// when it turns non-empty); false when a signal interrupted the wait.
bool KafkaReader::wait(int timeout_ms) {
    return kafka_wait(m_wake[0], timeout_ms);
}

KafkaReader::Status KafkaReader::next(Message& out, int timeout_ms) {
    if (m_message != nullptr) {
        rd_kafka_message_destroy(m_message);
        m_message = nullptr;
    }
    int64_t deadline = timeout_ms < 0 ? -1 : now_ms() + timeout_ms;
    for (;;) {
        if (signals::stop_requested()) {
            return Status::end;
        }
        rd_kafka_poll(m_rk, 0);  // errors and logs
        rd_kafka_message_t* message = rd_kafka_consume_queue(m_queue, 0);
        if (message == nullptr) {
            // Empty: clear the wake-up pipe, then look once more, so a
            // caller polling poll_fd() neither spins on a stale wake-up nor
            // misses one for a message that arrived in between.
            char buf[64];
            while (::read(m_wake[0], buf, sizeof buf) > 0) {
            }
            message = rd_kafka_consume_queue(m_queue, 0);
        }
        if (message == nullptr) {
            int left = deadline < 0 ? -1 : static_cast<int>(deadline - now_ms());
            if (deadline >= 0 && left <= 0) {
                return Status::timeout;
            }
            if (!wait(left)) {
                return signals::stop_requested() ? Status::end : Status::timeout;
            }
            continue;
        }
        if (message->err == RD_KAFKA_RESP_ERR__PARTITION_EOF) {
            auto p = static_cast<std::size_t>(message->partition);
            if (p < m_partitions.size() && !m_partitions[p]) {
                m_partitions[p] = true;
                ++m_eof_count;
            }
            rd_kafka_message_destroy(message);
            continue;
        }
        if (message->err != RD_KAFKA_RESP_ERR_NO_ERROR) {
            m_diag.error(fmt::format("kafka: {}: {}", m_topic, rd_kafka_message_errstr(message)));
            rd_kafka_message_destroy(message);
            continue;
        }
        m_message = message;
        std::size_t len = message->len;
        m_buf.resize(len + simdjson::SIMDJSON_PADDING);
        if (len > 0) {
            std::memcpy(m_buf.data(), message->payload, len);
        }
        out.bytes = std::string_view(m_buf.data(), len);
        rd_kafka_timestamp_type_t type;
        int64_t ts = rd_kafka_message_timestamp(message, &type);
        out.time = ts < 0 ? 0 : static_cast<double>(ts) / 1000;
        out.partition = message->partition;
        out.offset = message->offset;
        out.problem = {};
        if (len > m_max_line) {
            out.problem = "message longer than the line limit";
        } else if (std::memchr(out.bytes.data(), '\n', len) != nullptr ||
                   std::memchr(out.bytes.data(), '\r', len) != nullptr) {
            out.problem = "message contains a line break";
        }
        return Status::message;
    }
}

}  // namespace ev
