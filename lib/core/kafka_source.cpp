#include "core/kafka_source.h"

#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <iterator>

#include <fmt/format.h>
#include <simdjson.h>

#include "core/clock.h"
#include "core/self_status.h"
#include "core/signals.h"

namespace ev {

namespace {

int64_t now_ms() {
    return static_cast<int64_t>(steady_now() * 1000);
}

}  // namespace

KafkaSource::KafkaSource(Diagnostics& diag, std::size_t max_line)
    : m_diag(diag), m_max_line(max_line), m_last_commit_ms(now_ms()) {}

Result<std::unique_ptr<KafkaSource>> KafkaSource::open(const KafkaOptions& options, std::vector<std::string> topics,
                                                       std::size_t max_line, Diagnostics& diag) {
    if (options.group.empty()) {
        return make_error("reading Kafka needs --group ID (offsets are committed per group)");
    }
    auto conf = make_kafka_conf(options, KafkaRole::consumer);
    if (!conf) {
        return std::move(conf).take_error();
    }
    std::unique_ptr<KafkaSource> source(new KafkaSource(diag, max_line));
    source->m_resets_logged = kafka_offset_resets_logged();
    rd_kafka_conf_set_opaque(conf->get(), source.get());
    rd_kafka_conf_set_rebalance_cb(conf->get(), &KafkaSource::on_rebalance);
    rd_kafka_conf_set_offset_commit_cb(conf->get(), &KafkaSource::on_commit);
    char errstr[512];
    source->m_rk = rd_kafka_new(RD_KAFKA_CONSUMER, conf->release(), errstr, sizeof errstr);
    if (source->m_rk == nullptr) {
        return make_error(fmt::format("kafka consumer: {}", errstr));
    }
    rd_kafka_poll_set_consumer(source->m_rk);
    if (!kafka_wake_pipe(rd_kafka_queue_get_consumer(source->m_rk), source->m_wake)) {
        return make_error("kafka consumer: cannot create its wake-up pipe");
    }

    rd_kafka_topic_partition_list_t* list = rd_kafka_topic_partition_list_new(static_cast<int>(topics.size()));
    for (const std::string& topic : topics) {
        rd_kafka_topic_partition_list_add(list, topic.c_str(), RD_KAFKA_PARTITION_UA);
    }
    rd_kafka_resp_err_t err = rd_kafka_subscribe(source->m_rk, list);
    rd_kafka_topic_partition_list_destroy(list);
    if (err != RD_KAFKA_RESP_ERR_NO_ERROR) {
        return make_error(fmt::format("kafka: cannot subscribe: {}", rd_kafka_err2str(err)));
    }
    return source;
}

KafkaSource::~KafkaSource() {
    for (rd_kafka_message_t* message : {m_message, m_early}) {
        if (message != nullptr) {
            rd_kafka_message_destroy(message);
        }
    }
    if (m_rk != nullptr) {
        // The engine is gone: a revocation during close must not call back
        // into it, only commit what it acknowledged.
        m_closing = true;
        commit_now(false);
        rd_kafka_consumer_close(m_rk);
        rd_kafka_destroy(m_rk);
    }
    for (int fd : m_wake) {
        if (fd >= 0) {
            ::close(fd);
        }
    }
}

uint32_t KafkaSource::stream_of(const char* topic, int32_t partition) {
    auto key = std::make_pair(std::string(topic), partition);
    auto found = m_index.find(key);
    if (found != m_index.end()) {
        return found->second;
    }
    auto id = static_cast<uint32_t>(m_streams.size());
    m_streams.push_back(Stream{key.first, partition, fmt::format("kafka:{}/{}", topic, partition)});
    m_index.emplace(std::move(key), id);
    return id;
}

void KafkaSource::commit(const Position& position) {
    if (position.stream >= m_streams.size()) {
        return;
    }
    Stream& s = m_streams[position.stream];
    if (position.offset > s.ack) {
        s.ack = position.offset;
        m_dirty = true;
    }
    if (m_dirty && now_ms() - m_last_commit_ms >= k_commit_ms) {
        commit_now(true);
    }
}

void KafkaSource::commit_now(bool async) {
    m_last_commit_ms = now_ms();
    if (!m_dirty) {
        return;
    }
    m_dirty = false;
    rd_kafka_topic_partition_list_t* list = rd_kafka_topic_partition_list_new(4);
    for (Stream& s : m_streams) {
        if (s.owned && s.ack > s.sent) {
            rd_kafka_topic_partition_list_add(list, s.topic.c_str(), s.partition)->offset = s.ack;
            s.sent = s.ack;
        }
    }
    if (list->cnt > 0) {
        // Failures, synchronous or not, are reported by on_commit.
        (void)rd_kafka_commit(m_rk, list, async ? 1 : 0);
    }
    rd_kafka_topic_partition_list_destroy(list);
}

void KafkaSource::rebalance(rd_kafka_resp_err_t err, rd_kafka_topic_partition_list_t* partitions) {
    bool cooperative = std::strcmp(rd_kafka_rebalance_protocol(m_rk), "COOPERATIVE") == 0;
    if (err == RD_KAFKA_RESP_ERR__ASSIGN_PARTITIONS) {
        for (int i = 0; i < partitions->cnt; ++i) {
            Stream& s = m_streams[stream_of(partitions->elems[i].topic, partitions->elems[i].partition)];
            s.owned = true;
            s.ack = s.sent = -1;
        }
        if (cooperative) {
            rd_kafka_error_t* e = rd_kafka_incremental_assign(m_rk, partitions);
            if (e != nullptr) {
                rd_kafka_error_destroy(e);
            }
        } else {
            rd_kafka_assign(m_rk, partitions);
        }
        return;
    }
    // Revoked: finish what is held (the engine's flush point acknowledges
    // what became durable), commit it, and only then let the partitions go.
    if (!m_closing) {
        idle();
    }
    commit_now(false);
    for (int i = 0; i < partitions->cnt; ++i) {
        m_streams[stream_of(partitions->elems[i].topic, partitions->elems[i].partition)].owned = false;
    }
    if (cooperative) {
        rd_kafka_error_t* e = rd_kafka_incremental_unassign(m_rk, partitions);
        if (e != nullptr) {
            rd_kafka_error_destroy(e);
        }
    } else {
        rd_kafka_assign(m_rk, nullptr);
    }
}

void KafkaSource::on_rebalance(rd_kafka_t*, rd_kafka_resp_err_t err, rd_kafka_topic_partition_list_t* partitions,
                               void* opaque) {
    static_cast<KafkaSource*>(opaque)->rebalance(err, partitions);
}

void KafkaSource::on_commit(rd_kafka_t*, rd_kafka_resp_err_t err, rd_kafka_topic_partition_list_t*, void* opaque) {
    if (err != RD_KAFKA_RESP_ERR_NO_ERROR && err != RD_KAFKA_RESP_ERR__NO_OFFSET) {
        static_cast<KafkaSource*>(opaque)->m_diag.error(
            fmt::format("kafka: offset commit failed: {} (those events will be read again)", rd_kafka_err2str(err)));
    }
}

void KafkaSource::write_status(State state, std::string_view text) {
    std::string line = self_status_line(m_diag.tool(), "kafka", state, text, k_self_status_ttl);
    if (!write_routed_self_status(line) && m_status_out != nullptr) {
        m_status_out->write_line(line);
    }
}

void KafkaSource::report_loss(std::string text) {
    ++m_offset_resets;
    m_diag.error(text);
    // No ok follows: the loss stays visible until the ttl runs out.
    write_status(State::critical, text);
}

void KafkaSource::notice_resets() {
    uint64_t logged = kafka_offset_resets_logged();
    for (; m_resets_logged < logged; ++m_resets_logged) {
        report_loss(
            "kafka: DATA LOST: a committed offset fell out of the topic's retention and the position was reset "
            "(the OFFSET line says which partition and where)");
    }
}

void KafkaSource::report(const rd_kafka_message_t* message) {
    std::string where;
    if (message->rkt != nullptr) {
        where = fmt::format("{}/{}: ", rd_kafka_topic_name(message->rkt), message->partition);
    }
    if (message->err == RD_KAFKA_RESP_ERR__AUTO_OFFSET_RESET) {
        report_loss(
            fmt::format("kafka: {}DATA LOST: the committed offset fell out of the topic's retention and "
                        "the position was reset ({})",
                        where, rd_kafka_message_errstr(message)));
        return;
    }
    std::string text = fmt::format("kafka: {}{}", where, rd_kafka_message_errstr(message));
    m_diag.error(text);
    if (message->err == RD_KAFKA_RESP_ERR__ALL_BROKERS_DOWN && !m_outage) {
        m_outage = true;
        write_status(State::critical, text + "; waiting for them");
    }
}

// Waits for the consumer queue to become non-empty; false when a signal
// asks the caller to act (a stop, or any signal with a timeout given).
bool KafkaSource::wait(int timeout_ms) {
    return kafka_wait(m_wake[0], timeout_ms);
}

void KafkaSource::pause_assignment(bool pause) {
    rd_kafka_topic_partition_list_t* parts = nullptr;
    if (rd_kafka_assignment(m_rk, &parts) != RD_KAFKA_RESP_ERR_NO_ERROR || parts == nullptr) {
        return;
    }
    // A paused partition drops what it prefetched; on resume it fetches
    // again from the position, so nothing is skipped.
    (void)(pause ? rd_kafka_pause_partitions(m_rk, parts) : rd_kafka_resume_partitions(m_rk, parts));
    rd_kafka_topic_partition_list_destroy(parts);
}

// Waits, partitions paused, until the sink is no longer congested (or a stop
// comes), serving the group meanwhile.
void KafkaSource::hold_back() {
    ++m_pauses;
    pause_assignment(true);
    while (m_pressure->congested() && !signals::stop_requested()) {
        print_counters_if_asked();
        // Serves rebalances and errors; a partition assigned meanwhile is not
        // paused, and its first message ends the wait.
        rd_kafka_message_t* message = rd_kafka_consumer_poll(m_rk, 0);
        if (message != nullptr) {
            if (message->err == RD_KAFKA_RESP_ERR_NO_ERROR) {
                m_early = message;
                break;
            }
            report(message);
            rd_kafka_message_destroy(message);
        }
        pollfd pfd{m_pressure->poll_fd(), POLLIN, 0};
        if (signals::poll(&pfd, pfd.fd < 0 ? 0 : 1, 50) > 0) {
            m_pressure->service();
        }
    }
    pause_assignment(false);
}

std::string KafkaSource::counters() {
    std::string text = "kafka:";
    rd_kafka_topic_partition_list_t* parts = nullptr;
    if (rd_kafka_assignment(m_rk, &parts) == RD_KAFKA_RESP_ERR_NO_ERROR && parts != nullptr) {
        rd_kafka_position(m_rk, parts);
        for (int i = 0; i < parts->cnt; ++i) {
            const rd_kafka_topic_partition_t& p = parts->elems[i];
            int64_t low = 0;
            int64_t high = -1;
            std::string lag = "unknown";
            if (rd_kafka_get_watermark_offsets(m_rk, p.topic, p.partition, &low, &high) == RD_KAFKA_RESP_ERR_NO_ERROR &&
                high >= 0) {
                // Before the first message the position is not known yet.
                lag = fmt::format("{}", p.offset >= 0 ? std::max<int64_t>(0, high - p.offset) : high - low);
            }
            fmt::format_to(std::back_inserter(text), "{} {}/{} lag {}", i == 0 ? "" : ",", p.topic, p.partition, lag);
        }
        if (parts->cnt == 0) {
            text += " no partitions assigned";
        }
        rd_kafka_topic_partition_list_destroy(parts);
    }
    fmt::format_to(std::back_inserter(text), "; paused for a congested output {} times; offset resets {}", m_pauses,
                   m_offset_resets);
    return text;
}

uint64_t KafkaSource::lag() {
    uint64_t total = 0;
    rd_kafka_topic_partition_list_t* parts = nullptr;
    if (rd_kafka_assignment(m_rk, &parts) != RD_KAFKA_RESP_ERR_NO_ERROR || parts == nullptr) {
        return 0;
    }
    rd_kafka_position(m_rk, parts);
    for (int i = 0; i < parts->cnt; ++i) {
        const rd_kafka_topic_partition_t& p = parts->elems[i];
        int64_t low = 0;
        int64_t high = -1;
        if (rd_kafka_get_watermark_offsets(m_rk, p.topic, p.partition, &low, &high) == RD_KAFKA_RESP_ERR_NO_ERROR &&
            high >= 0) {
            total += static_cast<uint64_t>(p.offset >= 0 ? std::max<int64_t>(0, high - p.offset) : high - low);
        }
    }
    rd_kafka_topic_partition_list_destroy(parts);
    return total;
}

void KafkaSource::print_counters_if_asked() {
    uint64_t asked = signals::stats_requests();
    if (asked != m_stats_seen) {
        m_stats_seen = asked;
        m_diag.error(counters());
    }
}

Source::Status KafkaSource::next(Line& out, int timeout_ms) {
    if (m_message != nullptr) {
        rd_kafka_message_destroy(m_message);
        m_message = nullptr;
    }
    int64_t deadline = timeout_ms < 0 ? -1 : now_ms() + timeout_ms;
    bool idled = false;
    for (;;) {
        if (m_stopped || signals::stop_requested()) {
            m_stopped = true;
            return Status::end;
        }
        if (m_dirty && now_ms() - m_last_commit_ms >= k_commit_ms) {
            commit_now(true);
        }
        print_counters_if_asked();
        notice_resets();
        if (m_early == nullptr && m_pressure != nullptr && m_pressure->congested()) {
            hold_back();
            continue;
        }
        rd_kafka_message_t* message = m_early != nullptr ? m_early : rd_kafka_consumer_poll(m_rk, 0);
        m_early = nullptr;
        if (message == nullptr) {
            if (!idled) {
                idle();
                idled = true;
            }
            int left = deadline < 0 ? -1 : static_cast<int>(deadline - now_ms());
            if (deadline >= 0 && left <= 0) {
                return Status::timeout;
            }
            if (!wait(left) && (signals::stop_requested() || timeout_ms >= 0)) {
                if (signals::stop_requested()) {
                    m_stopped = true;
                    return Status::end;
                }
                return Status::timeout;
            }
            continue;
        }
        if (message->err != RD_KAFKA_RESP_ERR_NO_ERROR) {
            report(message);
            rd_kafka_message_destroy(message);
            continue;
        }
        m_message = message;
        if (m_outage) {
            m_outage = false;
            m_diag.error("kafka: reading again");
            write_status(State::ok, "kafka: reading again");
        }
        uint32_t id = stream_of(rd_kafka_topic_name(message->rkt), message->partition);
        const Stream& s = m_streams[id];
        std::size_t len = message->len;
        m_buf.resize(len + simdjson::SIMDJSON_PADDING);
        if (len > 0) {
            std::memcpy(m_buf.data(), message->payload, len);
        }
        out.bytes = std::string_view(m_buf.data(), len);
        out.stream = s.name;
        out.number = static_cast<uint64_t>(message->offset);
        out.position = Position{id, message->offset + 1};
        out.problem = {};
        if (len > m_max_line) {
            return Status::long_end;
        }
        // A message is one line: a line break inside it would forge a line
        // of output in every tool that passes events through.
        if (std::memchr(out.bytes.data(), '\n', len) != nullptr ||
            std::memchr(out.bytes.data(), '\r', len) != nullptr) {
            out.problem = "message contains a line break";
        }
        return Status::line;
    }
}

}  // namespace ev
