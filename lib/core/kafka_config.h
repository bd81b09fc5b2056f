// Kafka settings every tool shares (--brokers, --group, --kafka,
// --kafka-config), turned into a librdkafka configuration. Properties pass
// straight to librdkafka, so TLS, SASL and tuning need no evkit option.
#pragma once

#include <librdkafka/rdkafka.h>

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.h"

namespace ev {

/// The Kafka options of one tool.
struct KafkaOptions {
    std::string brokers;             ///< bootstrap list; empty: $EVKIT_BROKERS
    std::string group;               ///< consumer group id (required to consume)
    std::vector<std::string> props;  ///< PROP=VALUE, in order, after the config file
    std::string config_file;         ///< a file of PROP=VALUE lines (# comments)
    bool dump = false;               ///< --kafka-dump: print the configurations, then exit
    std::string self_to;             ///< --self-to FILE: the tool's own status events go there
};

/// The "kafka:" prefix that names topics in --from, --to, --rejects and
/// evroute destinations.
constexpr std::string_view k_kafka_prefix = "kafka:";

/// True when text names Kafka topics ("kafka:TOPIC[,TOPIC...]").
bool is_kafka_target(std::string_view text);

/// The topics of "kafka:T1,T2"; an error names an empty or invalid topic.
Result<std::vector<std::string>> parse_kafka_topics(std::string_view text);

/// Frees a librdkafka configuration.
struct KafkaConfDeleter {
    void operator()(rd_kafka_conf_t* conf) const { rd_kafka_conf_destroy(conf); }
};
using KafkaConf = std::unique_ptr<rd_kafka_conf_t, KafkaConfDeleter>;

/// Which client a configuration is for; each gets evkit's defaults first.
enum class KafkaRole { consumer, producer };

/// Builds the configuration: evkit's defaults for role (docs/kafka.md),
/// then the config file, then each --kafka property, then the brokers. The
/// error names the property librdkafka refused.
Result<KafkaConf> make_kafka_conf(const KafkaOptions& options, KafkaRole role);

/// Writes conf as "ROLE PROP=VALUE" lines to fd 1 (--kafka-dump), secrets
/// (properties whose name holds "password" or "secret") as "***".
void dump_kafka_conf(const KafkaConf& conf, KafkaRole role);

/// The bootstrap list: --brokers, else $EVKIT_BROKERS; an error when neither.
Result<std::string> kafka_brokers(const KafkaOptions& options);

/// How many times librdkafka reset a consumer's out-of-range position (it
/// only logs it): data was lost upstream. Counted from any thread.
uint64_t kafka_offset_resets_logged();

/// Makes wake[0] readable whenever queue turns non-empty (a pipe the tools'
/// poll loops watch); takes queue's reference. False when no pipe.
bool kafka_wake_pipe(rd_kafka_queue_t* queue, int wake[2]);

/// Waits on a wake pipe (and the signals) for at most a 200 ms slice of
/// timeout_ms (-1: no limit): the wake-up fires only when a queue turns
/// non-empty, and a poll may serve an event without returning a message.
/// False when a signal interrupted the wait.
bool kafka_wait(int wake_fd, int timeout_ms);

}  // namespace ev
