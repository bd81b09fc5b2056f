// kafka-mock: a Kafka cluster for tests and the demo, from librdkafka's mock
// cluster (the real protocol on loopback; see docs/kafka.md for its limits).
//
//   kafka-mock [--brokers N] [--topic NAME:PARTITIONS]... [--control FIFO]
//
// Prints the bootstrap list as its first line on stdout, then runs until
// SIGTERM or SIGINT. Commands, one per line on stdin (its end is ignored, so
// the fixture can run with stdin from /dev/null), or on FIFO, created and
// held open so each `echo CMD > FIFO` is read:
//   topic NAME PARTITIONS       create a topic
//   down ID | up ID             take broker ID (-1: all) down or up
//   rtt ID MS                   delay broker ID's responses by MS
//   error API_KEY CODE COUNT    fail the next COUNT requests of API_KEY with CODE
//   lag GROUP TOPIC             one line per partition: "TOPIC/P committed C end E lag L"
// Each command answers "ok" or "error: ..." on stdout.
#include <fcntl.h>
#include <librdkafka/rdkafka.h>
#include <librdkafka/rdkafka_mock.h>
#include <poll.h>
#include <signal.h>
#include <sys/signalfd.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <sstream>
#include <string>
#include <vector>

namespace {

// The consumer lag of a group on a topic, from its committed offsets and the
// partitions' end offsets, as a separate client would see it.
std::string group_lag(rd_kafka_mock_cluster_t* cluster, const std::string& group, const std::string& topic) {
    char errstr[512];
    rd_kafka_conf_t* conf = rd_kafka_conf_new();
    rd_kafka_conf_set(conf, "bootstrap.servers", rd_kafka_mock_cluster_bootstraps(cluster), errstr, sizeof errstr);
    rd_kafka_conf_set(conf, "group.id", group.c_str(), errstr, sizeof errstr);
    rd_kafka_conf_set(conf, "log_level", "3", errstr, sizeof errstr);
    rd_kafka_t* rk = rd_kafka_new(RD_KAFKA_CONSUMER, conf, errstr, sizeof errstr);
    if (rk == nullptr) {
        return std::string("error: ") + errstr;
    }
    std::string out;
    rd_kafka_topic_t* rkt = rd_kafka_topic_new(rk, topic.c_str(), nullptr);
    const rd_kafka_metadata_t* md = nullptr;
    if (rd_kafka_metadata(rk, 0, rkt, &md, 5000) != RD_KAFKA_RESP_ERR_NO_ERROR || md->topic_cnt != 1) {
        out = "error: no metadata for " + topic;
    } else {
        int parts = md->topics[0].partition_cnt;
        rd_kafka_topic_partition_list_t* list = rd_kafka_topic_partition_list_new(parts);
        for (int p = 0; p < parts; ++p) {
            rd_kafka_topic_partition_list_add(list, topic.c_str(), p);
        }
        rd_kafka_committed(rk, list, 5000);
        for (int i = 0; i < list->cnt; ++i) {
            int64_t low = 0;
            int64_t high = 0;
            rd_kafka_query_watermark_offsets(rk, topic.c_str(), list->elems[i].partition, &low, &high, 5000);
            int64_t committed = list->elems[i].offset < 0 ? low : list->elems[i].offset;
            out += topic + "/" + std::to_string(list->elems[i].partition) + " committed " +
                   std::to_string(list->elems[i].offset) + " end " + std::to_string(high) + " lag " +
                   std::to_string(high - committed) + "\n";
        }
        rd_kafka_topic_partition_list_destroy(list);
        out += "ok";
    }
    if (md != nullptr) {
        rd_kafka_metadata_destroy(md);
    }
    rd_kafka_topic_destroy(rkt);
    rd_kafka_destroy(rk);
    return out;
}

std::string run_command(rd_kafka_mock_cluster_t* cluster, const std::string& line) {
    std::istringstream in(line);
    std::string verb;
    in >> verb;
    rd_kafka_resp_err_t err = RD_KAFKA_RESP_ERR_NO_ERROR;
    if (verb == "topic") {
        std::string name;
        int partitions = 0;
        if (!(in >> name >> partitions) || partitions < 1) {
            return "error: usage: topic NAME PARTITIONS";
        }
        err = rd_kafka_mock_topic_create(cluster, name.c_str(), partitions, 1);
    } else if (verb == "down" || verb == "up") {
        int id = 0;
        if (!(in >> id)) {
            return "error: usage: " + verb + " BROKER_ID";
        }
        err = verb == "down" ? rd_kafka_mock_broker_set_down(cluster, id) : rd_kafka_mock_broker_set_up(cluster, id);
    } else if (verb == "rtt") {
        int id = 0;
        int ms = 0;
        if (!(in >> id >> ms)) {
            return "error: usage: rtt BROKER_ID MS";
        }
        err = rd_kafka_mock_broker_set_rtt(cluster, id, ms);
    } else if (verb == "error") {
        int api = 0;
        int code = 0;
        std::size_t count = 0;
        if (!(in >> api >> code >> count) || count == 0) {
            return "error: usage: error API_KEY CODE COUNT";
        }
        std::vector<rd_kafka_resp_err_t> errors(count, static_cast<rd_kafka_resp_err_t>(code));
        rd_kafka_mock_push_request_errors_array(cluster, static_cast<int16_t>(api), count, errors.data());
    } else if (verb == "lag") {
        std::string group;
        std::string topic;
        if (!(in >> group >> topic)) {
            return "error: usage: lag GROUP TOPIC";
        }
        return group_lag(cluster, group, topic);
    } else {
        return "error: unknown command '" + verb + "'";
    }
    return err == RD_KAFKA_RESP_ERR_NO_ERROR ? "ok" : std::string("error: ") + rd_kafka_err2str(err);
}

}  // namespace

int main(int argc, char** argv) {
    int brokers = 1;
    std::vector<std::pair<std::string, int>> topics;
    std::string control;
    for (int i = 1; i < argc; ++i) {
        std::string arg = argv[i];
        if (arg == "--brokers" && i + 1 < argc) {
            brokers = std::atoi(argv[++i]);
        } else if (arg == "--control" && i + 1 < argc) {
            control = argv[++i];
        } else if (arg == "--topic" && i + 1 < argc) {
            std::string spec = argv[++i];
            auto colon = spec.rfind(':');
            int partitions = colon == std::string::npos ? 1 : std::atoi(spec.c_str() + colon + 1);
            topics.emplace_back(spec.substr(0, colon), partitions);
        } else {
            std::fprintf(stderr, "usage: kafka-mock [--brokers N] [--topic NAME:PARTITIONS]... [--control FIFO]\n");
            return 2;
        }
    }
    if (brokers < 1) {
        std::fprintf(stderr, "kafka-mock: --brokers must be at least 1\n");
        return 2;
    }
    // Signals are taken synchronously, before librdkafka starts its threads.
    sigset_t mask;
    sigemptyset(&mask);
    sigaddset(&mask, SIGTERM);
    sigaddset(&mask, SIGINT);
    sigaddset(&mask, SIGHUP);
    pthread_sigmask(SIG_BLOCK, &mask, nullptr);
    int sfd = signalfd(-1, &mask, SFD_CLOEXEC);

    char errstr[512];
    rd_kafka_conf_t* conf = rd_kafka_conf_new();
    rd_kafka_conf_set(conf, "log_level", "3", errstr, sizeof errstr);
    rd_kafka_t* rk = rd_kafka_new(RD_KAFKA_PRODUCER, conf, errstr, sizeof errstr);
    if (rk == nullptr) {
        std::fprintf(stderr, "kafka-mock: %s\n", errstr);
        return 1;
    }
    rd_kafka_mock_cluster_t* cluster = rd_kafka_mock_cluster_new(rk, brokers);
    if (cluster == nullptr) {
        std::fprintf(stderr, "kafka-mock: cannot create the mock cluster\n");
        return 1;
    }
    for (const auto& [name, partitions] : topics) {
        if (rd_kafka_mock_topic_create(cluster, name.c_str(), partitions, 1) != RD_KAFKA_RESP_ERR_NO_ERROR) {
            std::fprintf(stderr, "kafka-mock: cannot create topic %s\n", name.c_str());
            return 1;
        }
    }
    std::printf("%s\n", rd_kafka_mock_cluster_bootstraps(cluster));
    std::fflush(stdout);

    int in_fd = 0;
    if (!control.empty()) {
        // Opened for reading and writing: the fixture is a writer itself, so
        // a test's writer closing never ends the stream.
        if ((::mkfifo(control.c_str(), 0600) != 0 && errno != EEXIST) ||
            (in_fd = ::open(control.c_str(), O_RDWR | O_CLOEXEC)) < 0) {
            std::fprintf(stderr, "kafka-mock: %s: %s\n", control.c_str(), std::strerror(errno));
            return 1;
        }
    }
    std::string pending;
    bool stdin_open = true;
    for (;;) {
        pollfd fds[2] = {{sfd, POLLIN, 0}, {in_fd, POLLIN, 0}};
        if (::poll(fds, stdin_open ? 2 : 1, -1) < 0) {
            continue;
        }
        if (fds[0].revents & POLLIN) {
            break;
        }
        if (stdin_open && (fds[1].revents & (POLLIN | POLLHUP))) {
            char buf[4096];
            ssize_t n = ::read(in_fd, buf, sizeof buf);
            if (n <= 0) {
                stdin_open = false;
                continue;
            }
            pending.append(buf, static_cast<std::size_t>(n));
            std::size_t nl;
            while ((nl = pending.find('\n')) != std::string::npos) {
                std::string line = pending.substr(0, nl);
                pending.erase(0, nl + 1);
                if (!line.empty()) {
                    std::printf("%s\n", run_command(cluster, line).c_str());
                    std::fflush(stdout);
                }
            }
        }
    }
    rd_kafka_mock_cluster_destroy(cluster);
    rd_kafka_destroy(rk);
    return 0;
}
