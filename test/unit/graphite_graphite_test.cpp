#include "graphite/graphite.h"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <functional>
#include <memory>
#include <mutex>
#include <set>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include <fmt/format.h>
#include <fmt/ranges.h>
#include <simdjson.h>

#include "core/clock.h"
#include "core/input.h"
#include "core/signals.h"
#include "core/writer.h"

namespace {

using ev::graphite::Options;

// Runs the engine in-process in dry-run mode over input, returning stdout
// and the diagnostics.
struct Ran {
    int code;
    std::string out;
    std::vector<std::string> diag;
};

Ran dry_run(Options options, const std::string& input) {
    char in_path[] = "/tmp/evgraphite-in-XXXXXX";
    int in_fd = ::mkstemp(in_path);
    EXPECT_EQ(::write(in_fd, input.data(), input.size()), static_cast<ssize_t>(input.size()));
    ::close(in_fd);
    char out_path[] = "/tmp/evgraphite-out-XXXXXX";
    int out_fd = ::mkstemp(out_path);
    options.dry_run = true;
    options.input.files = {in_path};
    Ran ran;
    ev::Diagnostics diag("evgraphite", [&](std::string_view line) { ran.diag.emplace_back(line); });
    ev::ManualClock clock(1700000000);
    ev::signals::reset();
    {
        ev::Input in(options.input, diag);
        ev::Writer out(out_fd);
        ran.code = ev::graphite::run(options, in, out, diag, clock);
    }
    ::lseek(out_fd, 0, SEEK_SET);
    char buf[4096];
    ssize_t n;
    while ((n = ::read(out_fd, buf, sizeof buf)) > 0) {
        ran.out.append(buf, static_cast<std::size_t>(n));
    }
    ::close(out_fd);
    ::unlink(in_path);
    ::unlink(out_path);
    return ran;
}

TEST(GraphiteEngine, DryRunPlacesAndFormats) {
    Options options;
    options.destinations = {"10.0.0.1:2004:a", "10.0.0.2:2004:b"};
    options.prefix = "servers";
    auto ran = dry_run(options,
                       "{\"subject\":\"web1\",\"name\":\"load\",\"metric\":1}\n"
                       "{\"subject\":\"web2\",\"name\":\"load\",\"metric\":2,\"time\":5}\n"
                       "{\"subject\":\"web3\",\"state\":\"ok\"}\n");
    EXPECT_EQ(ran.code, 0);
    EXPECT_EQ(ran.out,
              "10.0.0.1:2004:a servers.web1.load 1 1700000000\n"
              "10.0.0.2:2004:b servers.web2.load 2 5\n");  // as carbon's ring places them
}

TEST(GraphiteEngine, UsageErrorsExitTwo) {
    Options options;
    options.replication = 0;
    auto ran = dry_run(options, "");
    EXPECT_EQ(ran.code, 2);
    ASSERT_EQ(ran.diag.size(), 1u);
    EXPECT_EQ(ran.diag[0], "evgraphite: --replication must be at least 1\n");
    options = Options{};
    options.destinations = {"carbon1"};
    ran = dry_run(options, "");
    EXPECT_EQ(ran.code, 2);
}

TEST(GraphiteEngine, StrictStopsWithThree) {
    Options options;
    options.input.strict = true;
    auto ran = dry_run(
        options,
        "{\"subject\":\"h\",\"name\":\"n\",\"metric\":\"x\"}\n{\"subject\":\"h\",\"name\":\"n\",\"metric\":1}\n");
    EXPECT_EQ(ran.code, 3);
    EXPECT_EQ(ran.out, "");
}

// Acknowledgement: a Source that hands out scripted lines and, on every
// commit, asks check whether the outputs of everything up to the committed
// line are where they must be. The engine is blocked in commit() meanwhile,
// so it cannot make up for an early acknowledgement while check looks.
class ScriptSource final : public ev::Source {
public:
    // Lines from index second_from on come from a second stream, whose
    // offsets start again at 0.
    ScriptSource(std::vector<std::string> lines, std::function<void(std::size_t)> check,
                 std::size_t second_from = SIZE_MAX)
        : m_check(std::move(check)) {
        int64_t offset = 0;
        for (std::size_t i = 0; i < lines.size(); ++i) {
            uint32_t stream = i >= second_from ? 1 : 0;
            if (i == second_from) {
                offset = 0;
            }
            offset += static_cast<int64_t>(lines[i].size() + 1);
            m_positions.push_back(ev::Position{stream, offset});
            // simdjson reads up to its padding past the end of a line.
            lines[i].append(simdjson::SIMDJSON_PADDING, ' ');
            m_lines.push_back(std::move(lines[i]));
        }
    }
    Status next(Line& out, int) override {
        if (m_next >= m_lines.size()) {
            return Status::end;
        }
        const std::string& line = m_lines[m_next];
        out.bytes = std::string_view(line).substr(0, line.size() - simdjson::SIMDJSON_PADDING);
        out.stream = "script";
        out.number = m_next + 1;
        out.position = m_positions[m_next];
        ++m_next;
        return Status::line;
    }
    int poll_fd() override { return -1; }
    void commit(const ev::Position& position) override {
        // The index of the last line the position covers.
        std::size_t last = 0;
        while (last < m_positions.size() &&
               (m_positions[last].stream != position.stream || m_positions[last].offset != position.offset)) {
            ++last;
        }
        ASSERT_LT(last, m_positions.size()) << "no line ends at " << position.stream << ":" << position.offset;
        int64_t& committed = m_committed[position.stream];
        EXPECT_GT(static_cast<int64_t>(last), committed) << "commits go forward";
        committed = static_cast<int64_t>(last);
        ++m_commits;
        m_check(last);
    }
    bool drains_on_interrupt() const override { return false; }
    bool io_failed() const override { return false; }

    /// The index of the last line committed in stream, -1 for none.
    int64_t committed(uint32_t stream = 0) const { return m_committed[stream]; }
    int commits() const { return m_commits; }

private:
    std::vector<std::string> m_lines;
    std::vector<ev::Position> m_positions;
    std::function<void(std::size_t)> m_check;
    std::size_t m_next = 0;
    int64_t m_committed[2] = {-1, -1};
    int m_commits = 0;
};

// Event i is series s.m<i> with value i; its carbon line is expected_line(i).
std::vector<std::string> metric_events(std::size_t n) {
    std::vector<std::string> lines;
    for (std::size_t i = 0; i < n; ++i) {
        lines.push_back(fmt::format("{{\"subject\":\"s\",\"name\":\"m{}\",\"metric\":{},\"time\":1700000000}}", i, i));
    }
    return lines;
}

std::string expected_line(std::size_t i) {
    return fmt::format("s.m{} {} 1700000000", i, i);
}

class GraphiteAck : public ::testing::Test {
protected:
    void SetUp() override {
        char tmpl[] = "/tmp/evgraphite-ack-XXXXXX";
        ASSERT_NE(::mkdtemp(tmpl), nullptr);
        m_dir = tmpl;
        ev::signals::reset();
    }
    void TearDown() override { std::filesystem::remove_all(m_dir); }

    // Runs the engine over source; out_fd takes --pass or --dry-run output.
    // The Input (which owns the source raw points to) outlives the run, so
    // the test can read the source's commits afterwards.
    int run(Options options, std::unique_ptr<ScriptSource> source, ScriptSource*& raw, int out_fd = -1) {
        raw = source.get();
        m_input = std::make_unique<ev::Input>(options.input, m_diagnostics, std::move(source));
        ev::Writer out(out_fd < 0 ? m_null : out_fd);
        ev::ManualClock clock(1700000000);
        return ev::graphite::run(options, *m_input, out, m_diagnostics, clock);
    }

    // The carbon lines in the spool segments under m_dir, headers left out.
    std::set<std::string> spooled() const {
        std::set<std::string> lines;
        for (auto& entry : std::filesystem::recursive_directory_iterator(m_dir + "/spool")) {
            if (entry.path().extension() != ".seg") {
                continue;
            }
            std::ifstream in(entry.path());
            std::string line;
            while (std::getline(in, line)) {
                if (line.rfind("# ", 0) != 0) {
                    lines.insert(line);
                }
            }
        }
        return lines;
    }

    std::string m_dir;
    std::vector<std::string> m_diag;
    ev::Diagnostics m_diagnostics{"evgraphite", [this](std::string_view line) { m_diag.emplace_back(line); }};
    std::unique_ptr<ev::Input> m_input;
    int m_null = 2;  // unused output: nothing is written to it
};

// A closed loopback port: connections are refused at once.
// A loopback port nothing listens on, below the ephemeral range (32768 and
// up), so a reconnecting client can never connect to itself through it (TCP
// simultaneous open when its own source port happens to equal the target).
uint16_t closed_port() {
    for (uint16_t port = static_cast<uint16_t>(20000 + ::getpid() % 5000);; ++port) {
        int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
        sockaddr_in addr{};
        addr.sin_family = AF_INET;
        addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        addr.sin_port = htons(port);
        bool free = ::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0;
        ::close(fd);
        if (free) {
            return port;
        }
    }
}

TEST_F(GraphiteAck, NothingIsAcknowledgedBeforeItsDatapointIsInASyncedSegment) {
    // Carbon is down: datapoints become durable only by being spooled.
    Options options;
    options.destinations = {fmt::format("127.0.0.1:{}", closed_port())};
    options.spool_dir = m_dir + "/spool";
    options.buffer_size = 4096;  // spilled while reading, not only at exit
    options.drain_timeout = 0.1;
    options.reconnect_max = 0.05;
    const std::size_t n = 5000;
    auto source = std::make_unique<ScriptSource>(metric_events(n), [this](std::size_t last) {
        std::set<std::string> lines = spooled();
        for (std::size_t i = 0; i <= last; ++i) {
            ASSERT_TRUE(lines.count(expected_line(i)))
                << "event " << i << " acknowledged (up to " << last << ") before its datapoint was spooled";
        }
    });
    ScriptSource* raw = nullptr;
    EXPECT_EQ(run(options, std::move(source), raw), 0);
    // Acknowledged along the way, not only at exit, and in the end everything.
    EXPECT_GT(raw->commits(), 2);
    EXPECT_EQ(raw->committed(), static_cast<int64_t>(n - 1));
    EXPECT_EQ(spooled().size(), n);
}

TEST_F(GraphiteAck, NothingIsAcknowledgedWithoutASpoolWhenCarbonNeverTakesIt) {
    Options options;
    options.destinations = {fmt::format("127.0.0.1:{}", closed_port())};
    options.drain_timeout = 0.1;
    options.reconnect_max = 0.05;
    auto source = std::make_unique<ScriptSource>(metric_events(100), [](std::size_t last) {
        ADD_FAILURE() << "event " << last << " acknowledged, though carbon never took it";
    });
    ScriptSource* raw = nullptr;
    EXPECT_EQ(run(options, std::move(source), raw), ev::graphite::k_exit_undelivered)
        << "diagnostics:\n"
        << fmt::format("{}", fmt::join(m_diag, "\n"));
    EXPECT_EQ(raw->commits(), 0);
}

// A carbon stand-in on loopback that reads everything on its own thread.
class Receiver {
public:
    Receiver() {
        m_listen = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
        sockaddr_in addr{};
        addr.sin_family = AF_INET;
        addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        EXPECT_EQ(::bind(m_listen, reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0);
        EXPECT_EQ(::listen(m_listen, 4), 0);
        socklen_t len = sizeof addr;
        ::getsockname(m_listen, reinterpret_cast<sockaddr*>(&addr), &len);
        m_port = ntohs(addr.sin_port);
        m_thread = std::thread([this] { serve(); });
    }
    ~Receiver() {
        m_stop = true;
        m_thread.join();
        ::close(m_listen);
    }
    uint16_t port() const { return m_port; }
    // Waits up to two seconds for the data received to hold line.
    bool wait_for(const std::string& line) {
        for (int i = 0; i < 200; ++i) {
            {
                std::lock_guard<std::mutex> lock(m_mutex);
                if (m_got.find(line + "\n") != std::string::npos) {
                    return true;
                }
            }
            std::this_thread::sleep_for(std::chrono::milliseconds(10));
        }
        return false;
    }

private:
    void serve() {
        int conn = -1;
        char buf[65536];
        while (!m_stop) {
            pollfd p{conn < 0 ? m_listen : conn, POLLIN, 0};
            if (::poll(&p, 1, 10) <= 0) {
                continue;
            }
            if (conn < 0) {
                conn = ::accept(m_listen, nullptr, nullptr);
                continue;
            }
            ssize_t n = ::read(conn, buf, sizeof buf);
            if (n <= 0) {
                ::close(conn);
                conn = -1;
                continue;
            }
            std::lock_guard<std::mutex> lock(m_mutex);
            m_got.append(buf, static_cast<std::size_t>(n));
        }
        if (conn >= 0) {
            ::close(conn);
        }
    }

    int m_listen = -1;
    uint16_t m_port = 0;
    std::thread m_thread;
    std::atomic<bool> m_stop{false};
    std::mutex m_mutex;
    std::string m_got;
};

TEST_F(GraphiteAck, NothingIsAcknowledgedBeforeCarbonHasItsDatapoint) {
    Receiver carbon;
    Options options;
    options.destinations = {fmt::format("127.0.0.1:{}", carbon.port())};
    options.resend_window = 0;
    options.batch = 256;
    const std::size_t n = 20000;
    bool failed = false;
    auto source = std::make_unique<ScriptSource>(metric_events(n), [&carbon, &failed](std::size_t last) {
        // Had the lines not been written to the connection, they could not
        // arrive while the engine waits here. One failure is enough.
        if (!failed && !carbon.wait_for(expected_line(last))) {
            failed = true;
            ADD_FAILURE() << "event " << last << " acknowledged before carbon got its datapoint";
        }
    });
    ScriptSource* raw = nullptr;
    EXPECT_EQ(run(options, std::move(source), raw), 0);
    EXPECT_GT(raw->commits(), 2);
    EXPECT_EQ(raw->committed(), static_cast<int64_t>(n - 1));
}

TEST_F(GraphiteAck, NothingIsAcknowledgedBeforeItsOutputLinesAreWritten) {
    char path[] = "/tmp/evgraphite-ack-out-XXXXXX";
    int fd = ::mkstemp(path);
    ASSERT_GE(fd, 0);
    Options options;
    options.dry_run = true;
    // Several housekeeping rounds, less than one buffer of output; two input
    // streams, each acknowledged on its own.
    const std::size_t n = 3000;
    auto source = std::make_unique<ScriptSource>(
        metric_events(n),
        [&path](std::size_t last) {
            std::ifstream in(path);
            std::stringstream text;
            text << in.rdbuf();
            EXPECT_NE(text.str().find("127.0.0.1:2003 " + expected_line(last) + "\n"), std::string::npos)
                << "event " << last << " acknowledged before its output line was written";
        },
        2000);
    ScriptSource* raw = nullptr;
    EXPECT_EQ(run(options, std::move(source), raw, fd), 0);
    EXPECT_EQ(raw->committed(0), 1999);
    EXPECT_EQ(raw->committed(1), static_cast<int64_t>(n - 1));
    ::close(fd);
    ::unlink(path);
}

}  // namespace
