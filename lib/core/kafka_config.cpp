#include "core/kafka_config.h"

#include <fcntl.h>
#include <poll.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <span>

#include <fmt/format.h>

#include "core/signals.h"
#include "core/text.h"

namespace ev {

namespace {

// Kafka's own rule for topic names.
bool valid_topic(std::string_view topic) {
    if (topic.empty() || topic.size() > 249 || topic == "." || topic == "..") {
        return false;
    }
    for (char c : topic) {
        bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' || c == '_' ||
                  c == '-';
        if (!ok) {
            return false;
        }
    }
    return true;
}

Result<void> set(rd_kafka_conf_t* conf, std::string_view name, std::string_view value, std::string_view origin) {
    char errstr[512];
    std::string n(name);
    std::string v(value);
    if (rd_kafka_conf_set(conf, n.c_str(), v.c_str(), errstr, sizeof errstr) != RD_KAFKA_CONF_OK) {
        return make_error(fmt::format("{}: {}", origin, errstr));
    }
    return {};
}

Result<void> set_pair(rd_kafka_conf_t* conf, std::string_view text, std::string_view origin) {
    auto eq = text.find('=');
    if (eq == std::string_view::npos || eq == 0) {
        return make_error(fmt::format("{}: expected PROP=VALUE, got '{}'", origin, text));
    }
    return set(conf, text.substr(0, eq), text.substr(eq + 1), origin);
}

// librdkafka's log lines, as "TOOL: kafka: FACILITY: message" on stderr (one
// write each: the callback runs on librdkafka's threads). One kind is left
// out: --kafka properties reach the consumer and the producer of a tool
// alike, and each would warn about the other's properties.
std::atomic<uint64_t> g_offset_resets{0};

void log_line(const rd_kafka_t*, int, const char* facility, const char* message) {
    std::string_view text(message);
    // With auto.offset.reset earliest or latest, a position that fell out of
    // retention is reset with only this log line (no error event): the
    // consumer picks the count up and reports the loss (kafka_source.h).
    if (std::string_view(facility) == "OFFSET" && text.find("offset reset") != std::string_view::npos &&
        text.find("out of range") != std::string_view::npos) {
        g_offset_resets.fetch_add(1);
    }
    if (std::string_view(facility) == "CONFWARN" && (text.find("is a consumer property") != std::string_view::npos ||
                                                     text.find("is a producer property") != std::string_view::npos)) {
        return;
    }
    std::string line = fmt::format("{}: kafka: {}: {}\n", program_invocation_short_name, facility, text);
    (void)!::write(2, line.data(), line.size());
}

}  // namespace

uint64_t kafka_offset_resets_logged() {
    return g_offset_resets.load(std::memory_order_relaxed);
}

bool is_kafka_target(std::string_view text) {
    return text.substr(0, k_kafka_prefix.size()) == k_kafka_prefix;
}

Result<std::vector<std::string>> parse_kafka_topics(std::string_view text) {
    if (!is_kafka_target(text)) {
        return make_error(fmt::format("'{}' does not start with kafka:", text));
    }
    std::vector<std::string> topics;
    std::string_view rest = text.substr(k_kafka_prefix.size());
    for (;;) {
        auto comma = rest.find(',');
        std::string_view topic = rest.substr(0, comma);
        if (!valid_topic(topic)) {
            return make_error(fmt::format("'{}' is not a topic name (1 to 249 of A-Z a-z 0-9 . _ -)", topic));
        }
        topics.emplace_back(topic);
        if (comma == std::string_view::npos) {
            break;
        }
        rest.remove_prefix(comma + 1);
    }
    return topics;
}

Result<std::string> kafka_brokers(const KafkaOptions& options) {
    if (!options.brokers.empty()) {
        return options.brokers;
    }
    const char* env = std::getenv("EVKIT_BROKERS");
    if (env != nullptr && *env != '\0') {
        return std::string(env);
    }
    return make_error("no Kafka brokers: give --brokers LIST or set EVKIT_BROKERS");
}

Result<KafkaConf> make_kafka_conf(const KafkaOptions& options, KafkaRole role) {
    KafkaConf conf(rd_kafka_conf_new());
    rd_kafka_conf_set_log_cb(conf.get(), &log_line);
    // evkit's defaults (docs/kafka.md says why each is chosen).
    static constexpr std::pair<const char*, const char*> k_consumer[] = {
        {"enable.auto.commit", "false"},          // offsets commit only after durable output
        {"enable.auto.offset.store", "false"},    //
        {"auto.offset.reset", "earliest"},        // a new group reads the topic from the start
        {"queued.max.messages.kbytes", "16384"},  // bounded prefetch, whatever the lag
        {"enable.partition.eof", "false"},
    };
    static constexpr std::pair<const char*, const char*> k_producer[] = {
        {"enable.idempotence", "true"},           // no duplicates or reordering from retries
        {"acks", "all"},                          //
        {"message.timeout.ms", "0"},              // nothing expires in the queue during an outage
        {"linger.ms", "5"},                       // batches; 5 ms of latency at most
        {"partitioner", "murmur2_random"},        // as Java producers partition by key
        {"queue.buffering.max.kbytes", "65536"},  // bounded memory: a full queue holds input back
    };
    for (const auto& [name, value] : role == KafkaRole::consumer
                                         ? std::span<const std::pair<const char*, const char*>>(k_consumer)
                                         : std::span<const std::pair<const char*, const char*>>(k_producer)) {
        if (auto r = set(conf.get(), name, value, "evkit default"); !r) {
            return std::move(r).take_error();
        }
    }
    if (!options.config_file.empty()) {
        std::ifstream in(options.config_file);
        if (!in) {
            return make_error(fmt::format("--kafka-config {}: {}", options.config_file, std::strerror(errno)));
        }
        std::string line;
        int number = 0;
        while (std::getline(in, line)) {
            ++number;
            std::string_view text = trim(line);
            if (text.empty() || text.front() == '#') {
                continue;
            }
            auto origin = fmt::format("{}: line {}", options.config_file, number);
            if (auto r = set_pair(conf.get(), text, origin); !r) {
                return std::move(r).take_error();
            }
        }
    }
    for (const std::string& prop : options.props) {
        if (auto r = set_pair(conf.get(), prop, "--kafka"); !r) {
            return std::move(r).take_error();
        }
    }
    // --brokers or $EVKIT_BROKERS, else bootstrap.servers from the properties.
    auto brokers = kafka_brokers(options);
    if (brokers) {
        if (auto r = set(conf.get(), "bootstrap.servers", *brokers, "--brokers"); !r) {
            return std::move(r).take_error();
        }
    } else {
        std::size_t size = 0;
        if (rd_kafka_conf_get(conf.get(), "bootstrap.servers", nullptr, &size) != RD_KAFKA_CONF_OK || size <= 1) {
            return std::move(brokers).take_error();
        }
    }
    if (role == KafkaRole::consumer && !options.group.empty()) {
        if (auto r = set(conf.get(), "group.id", options.group, "--group"); !r) {
            return std::move(r).take_error();
        }
    }
    return conf;
}

void dump_kafka_conf(const KafkaConf& conf, KafkaRole role) {
    std::size_t count = 0;
    const char** pairs = rd_kafka_conf_dump(conf.get(), &count);
    std::string out;
    const char* name = role == KafkaRole::consumer ? "consumer" : "producer";
    for (std::size_t i = 0; i + 1 < count; i += 2) {
        std::string_view prop(pairs[i]);
        bool secret = prop.find("password") != std::string_view::npos || prop.find("secret") != std::string_view::npos;
        out += fmt::format("{} {}={}\n", name, prop, secret ? "***" : pairs[i + 1]);
    }
    rd_kafka_conf_dump_free(pairs, count);
    // Topic-level properties (acks, partitioner) live in the default topic configuration.
    if (rd_kafka_topic_conf_t* topic = rd_kafka_conf_get_default_topic_conf(conf.get())) {
        pairs = rd_kafka_topic_conf_dump(topic, &count);
        for (std::size_t i = 0; i + 1 < count; i += 2) {
            out += fmt::format("{} {}={}\n", name, pairs[i], pairs[i + 1]);
        }
        rd_kafka_conf_dump_free(pairs, count);
    }
    (void)!::write(1, out.data(), out.size());
}

bool kafka_wake_pipe(rd_kafka_queue_t* queue, int wake[2]) {
    bool made = ::pipe2(wake, O_CLOEXEC | O_NONBLOCK) == 0;
    if (made) {
        rd_kafka_queue_io_event_enable(queue, wake[1], "1", 1);
    }
    rd_kafka_queue_destroy(queue);
    return made;
}

bool kafka_wait(int wake_fd, int timeout_ms) {
    constexpr int k_slice_ms = 200;
    int slice = timeout_ms < 0 || timeout_ms > k_slice_ms ? k_slice_ms : timeout_ms;
    pollfd pfd{wake_fd, POLLIN, 0};
    int ready = signals::poll(&pfd, 1, slice);
    if (ready > 0) {
        char buf[64];
        while (::read(wake_fd, buf, sizeof buf) > 0) {
        }
    }
    return ready >= 0 || errno != EINTR;
}

}  // namespace ev
