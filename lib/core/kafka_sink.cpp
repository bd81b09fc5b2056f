#include "core/kafka_sink.h"

#include <unistd.h>

#include <fmt/format.h>

#include <algorithm>
#include <cstdlib>

#include "core/clock.h"
#include "core/json.h"
#include "core/self_status.h"
#include "core/signals.h"

namespace ev {

std::string kafka_key(simdjson::dom::parser& parser, std::string_view line, const std::vector<Path>& key_fields) {
    std::string key;
    simdjson::dom::element root;
    if (parser.parse(line.data(), line.size(), true).get(root) != simdjson::SUCCESS || !root.is_object()) {
        return key;
    }
    key += '[';
    if (key_fields.empty()) {
        std::string_view subject;
        if (root["subject"].get_string().get(subject) != simdjson::SUCCESS) {
            return {};
        }
        json_escape_to(subject, key);
        key += ',';
        std::string_view name;
        if (root["name"].get_string().get(name) == simdjson::SUCCESS) {
            json_escape_to(name, key);
        } else {
            key += "null";
        }
    } else {
        for (std::size_t i = 0; i < key_fields.size(); ++i) {
            if (i > 0) {
                key += ',';
            }
            auto found = key_fields[i].lookup(root);
            if (found) {
                write_canonical_nested(*found, key);
            } else {
                key += "null";
            }
        }
    }
    key += ']';
    return key;
}

KafkaSink::KafkaSink(Diagnostics& diag, std::string topic, std::vector<Path> key_fields)
    : m_diag(diag), m_topic(std::move(topic)), m_key_fields(std::move(key_fields)) {}

Result<std::unique_ptr<KafkaSink>> KafkaSink::open(const KafkaOptions& options, const std::string& topic,
                                                   std::vector<Path> key_fields, Diagnostics& diag) {
    auto conf = make_kafka_conf(options, KafkaRole::producer);
    if (!conf) {
        return std::move(conf).take_error();
    }
    std::unique_ptr<KafkaSink> sink(new KafkaSink(diag, topic, std::move(key_fields)));
    rd_kafka_conf_set_opaque(conf->get(), sink.get());
    rd_kafka_conf_set_dr_msg_cb(conf->get(), &KafkaSink::on_delivery);
    rd_kafka_conf_set_error_cb(conf->get(), &KafkaSink::on_error);
    char limit[32];
    std::size_t limit_size = sizeof limit;
    if (rd_kafka_conf_get(conf->get(), "queue.buffering.max.messages", limit, &limit_size) == RD_KAFKA_CONF_OK) {
        sink->m_queue_limit = std::max<uint64_t>(4, std::strtoull(limit, nullptr, 10));
    }
    char errstr[512];
    sink->m_rk = rd_kafka_new(RD_KAFKA_PRODUCER, conf->release(), errstr, sizeof errstr);
    if (sink->m_rk == nullptr) {
        return make_error(fmt::format("kafka producer: {}", errstr));
    }
    sink->m_rkt = rd_kafka_topic_new(sink->m_rk, topic.c_str(), nullptr);
    if (!kafka_wake_pipe(rd_kafka_queue_get_main(sink->m_rk), sink->m_wake)) {
        return make_error("kafka producer: cannot create its wake-up pipe");
    }
    return sink;
}

KafkaSink::~KafkaSink() {
    if (m_rk != nullptr) {
        // Whatever is still queued was never acknowledged, so its input was
        // not committed either: dropping it here loses nothing.
        rd_kafka_purge(m_rk, RD_KAFKA_PURGE_F_QUEUE | RD_KAFKA_PURGE_F_INFLIGHT);
        rd_kafka_poll(m_rk, 0);
        if (m_rkt != nullptr) {
            rd_kafka_topic_destroy(m_rkt);
        }
        rd_kafka_destroy(m_rk);
    }
    for (int fd : m_wake) {
        if (fd >= 0) {
            ::close(fd);
        }
    }
}

void KafkaSink::write_line(std::string_view bytes) {
    produce(bytes);
}

void KafkaSink::end_line() {
    produce(m_line);
    m_line.clear();
}

void KafkaSink::produce(std::string_view bytes) {
    if (m_failed) {
        return;
    }
    // The outage's self-status travels in the stream itself (it reaches the
    // topic once the brokers are back); stderr said it at once.
    send_status();
    m_key = kafka_key(m_parser, bytes, m_key_fields);
    uint64_t ticket = m_ticket + 1;
    int64_t stop_deadline = -1;
    for (;;) {
        int rc = rd_kafka_produce(m_rkt, RD_KAFKA_PARTITION_UA, RD_KAFKA_MSG_F_COPY, const_cast<char*>(bytes.data()),
                                  bytes.size(), m_key.empty() ? nullptr : m_key.data(), m_key.size(),
                                  reinterpret_cast<void*>(ticket));
        if (rc == 0) {
            break;
        }
        rd_kafka_resp_err_t err = rd_kafka_last_error();
        if (err != RD_KAFKA_RESP_ERR__QUEUE_FULL) {
            fail(fmt::format("kafka: cannot produce to {}: {}", m_topic, rd_kafka_err2str(err)));
            return;
        }
        // A full queue (the broker is slow or down) holds the tool's input
        // back here, so memory stays bounded.
        poll(100);
        if (signals::stop_requested_now()) {
            int64_t now = static_cast<int64_t>(steady_now() * 1000);
            if (stop_deadline < 0) {
                stop_deadline = now + k_stop_wait_ms;
            } else if (now >= stop_deadline) {
                fail(fmt::format("kafka: {} is not accepting messages; stopped with output queued", m_topic));
                return;
            }
        }
    }
    m_ticket = ticket;
    m_done.push_back(false);
    if (++m_since_poll >= 256) {
        poll(0);
    }
}

void KafkaSink::poll(int timeout_ms) {
    m_since_poll = 0;
    rd_kafka_poll(m_rk, timeout_ms);
}

void KafkaSink::service() {
    char buf[64];
    while (::read(m_wake[0], buf, sizeof buf) > 0) {
    }
    poll(0);
    send_status();
}

bool KafkaSink::congested() {
    uint64_t queued = m_ticket - m_durable;
    m_congested = m_congested ? queued > m_queue_limit / 4 : queued >= m_queue_limit / 4 * 3;
    return m_congested;
}

void KafkaSink::send_status() {
    if (!m_status.empty()) {
        std::vector<std::string> lines;
        lines.swap(m_status);
        for (const std::string& line : lines) {
            produce(line);
        }
    }
}

void KafkaSink::delivered(uint64_t ticket, rd_kafka_resp_err_t err) {
    if (err != RD_KAFKA_RESP_ERR_NO_ERROR) {
        // With idempotence and no message timeout only a fatal error or a
        // purge at exit ends a message undelivered.
        if (err != RD_KAFKA_RESP_ERR__PURGE_QUEUE && err != RD_KAFKA_RESP_ERR__PURGE_INFLIGHT) {
            fail(fmt::format("kafka: a message to {} failed: {}", m_topic, rd_kafka_err2str(err)));
        }
        return;
    }
    if (ticket <= m_durable || ticket - m_durable > m_done.size()) {
        return;
    }
    m_done[ticket - m_durable - 1] = true;
    while (!m_done.empty() && m_done.front()) {
        m_done.pop_front();
        ++m_durable;
    }
    if (m_outage) {
        m_outage = false;
        std::string message = fmt::format("kafka: delivering to {} again", m_topic);
        m_diag.error(message);
        queue_status(State::ok, message);
    }
}

void KafkaSink::queue_status(State state, std::string_view text) {
    std::string line = self_status_line(m_diag.tool(), "kafka", state, text, k_self_status_ttl);
    if (!write_routed_self_status(line) && m_self_status) {
        m_status.push_back(std::move(line));
    }
}

void KafkaSink::fail(std::string message) {
    if (!m_failed) {
        m_failed = true;
        m_error = std::move(message);
    }
}

Result<void> KafkaSink::flush() {
    int64_t stop_deadline = -1;
    send_status();
    while (m_durable < m_ticket && !m_failed) {
        poll(50);
        send_status();
        if (signals::stop_requested_now()) {
            int64_t now = static_cast<int64_t>(steady_now() * 1000);
            if (stop_deadline < 0) {
                stop_deadline = now + k_stop_wait_ms;
            } else if (now >= stop_deadline) {
                fail(fmt::format("kafka: {} message{} to {} not acknowledged at exit; their input was not committed",
                                 m_ticket - m_durable, m_ticket - m_durable == 1 ? "" : "s", m_topic));
            }
        }
    }
    if (m_failed) {
        return make_error(m_error);
    }
    return {};
}

void KafkaSink::on_delivery(rd_kafka_t*, const rd_kafka_message_t* message, void* opaque) {
    static_cast<KafkaSink*>(opaque)->delivered(reinterpret_cast<uint64_t>(message->_private), message->err);
}

void KafkaSink::on_error(rd_kafka_t* rk, int err, const char* reason, void* opaque) {
    auto* sink = static_cast<KafkaSink*>(opaque);
    if (err == RD_KAFKA_RESP_ERR__FATAL) {
        char fatal[512];
        rd_kafka_fatal_error(rk, fatal, sizeof fatal);
        sink->fail(fmt::format("kafka: fatal producer error: {}", fatal));
        return;
    }
    if (!sink->m_outage && err == RD_KAFKA_RESP_ERR__ALL_BROKERS_DOWN) {
        sink->m_outage = true;
        std::string message =
            fmt::format("kafka: {}; holding output for {} until the brokers are back", reason, sink->m_topic);
        sink->m_diag.error(message);
        sink->queue_status(State::critical, message);
    }
}

}  // namespace ev
