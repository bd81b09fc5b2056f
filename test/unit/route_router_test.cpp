// Tests for lib/route/router.cpp: the engine's acknowledgements: a position
// is committed only once every destination its event went to has written it.
#include "route/router.h"

#include <gtest/gtest.h>
#include <simdjson.h>

#include <fstream>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include "core/signals.h"
#include "core/source.h"

namespace ev::route {
namespace {

// Lines held in memory (offset = line number), recording every commit.
class MemorySource final : public Source {
public:
    MemorySource(std::vector<std::string> lines, std::vector<Position>& commits) : m_commits(commits) {
        for (std::string& line : lines) {
            std::size_t size = line.size();
            line.append(simdjson::SIMDJSON_PADDING, ' ');
            m_lines.emplace_back(std::move(line), size);
        }
    }
    Status next(Line& out, int) override {
        if (m_next == m_lines.size()) {
            return Status::end;
        }
        const auto& [bytes, size] = m_lines[m_next++];
        out.bytes = std::string_view(bytes.data(), size);
        out.stream = "mem";
        out.number = m_next;
        out.position = Position{0, static_cast<int64_t>(m_next)};
        return Status::line;
    }
    int poll_fd() override { return -1; }
    void commit(const Position& position) override { m_commits.push_back(position); }
    bool drains_on_interrupt() const override { return false; }
    bool io_failed() const override { return false; }

private:
    std::vector<std::pair<std::string, std::size_t>> m_lines;
    std::size_t m_next = 0;
    std::vector<Position>& m_commits;
};

// Standard output held in memory; flush fails once told to.
class MemorySink final : public Sink {
public:
    void write_line(std::string_view bytes) override {
        m_buf.append(bytes);
        end_line();
    }
    std::string& buffer() override { return m_buf; }
    void end_line() override {
        m_buf += '\n';
        ++m_ticket;
    }
    Result<void> flush() override {
        if (fail) {
            m_failed = true;
            m_buf.clear();
            return make_error(m_error);
        }
        written += m_buf;
        m_buf.clear();
        m_durable = m_ticket;
        return {};
    }
    uint64_t ticket() const override { return m_ticket; }
    uint64_t durable() const override { return m_durable; }
    bool ended() const override { return false; }
    bool failed() const override { return m_failed; }
    const std::string& error() const override { return m_error; }

    std::string written;
    bool fail = false;

private:
    std::string m_buf;
    uint64_t m_ticket = 0;
    uint64_t m_durable = 0;
    bool m_failed = false;
    std::string m_error = "write failed: No space left on device";
};

struct Outcome {
    int code = -1;
    std::vector<Position> commits;
    std::string errors;
};

Outcome run_on(std::vector<std::string> rules, std::size_t events, MemorySink& sink, double drain = 10) {
    signals::reset();
    Outcome outcome;
    std::vector<std::string> lines;
    for (std::size_t i = 1; i <= events; ++i) {
        lines.push_back("{\"n\":" + std::to_string(i) + "}");
    }
    Diagnostics diag("evroute", [&](std::string_view text) { outcome.errors += std::string(text) + "\n"; });
    Options options;
    options.inline_rules = std::move(rules);
    options.drain_timeout = drain;
    Input input(options.input, diag, std::make_unique<MemorySource>(std::move(lines), outcome.commits));
    outcome.code = run(options, input, sink, diag);
    return outcome;
}

std::string temp_path(const char* name) {
    std::string path = std::string(testing::TempDir()) + "/" + name;
    std::remove(path.c_str());
    return path;
}

TEST(RouteRouter, StdoutAndFileWrittenMeansAcknowledged) {
    MemorySink sink;
    std::string file = temp_path("route_ack_file.ndjson");
    auto outcome = run_on({"rule all -> stdout, file " + file}, 5, sink);
    EXPECT_EQ(outcome.code, 0);
    EXPECT_EQ(sink.written, "{\"n\":1}\n{\"n\":2}\n{\"n\":3}\n{\"n\":4}\n{\"n\":5}\n");
    ASSERT_FALSE(outcome.commits.empty());
    EXPECT_EQ(outcome.commits.back().offset, 5);
    std::ifstream in(file);
    std::stringstream text;
    text << in.rdbuf();
    EXPECT_EQ(text.str(), sink.written);
}

TEST(RouteRouter, DroppedAndUnmatchedEventsAreAcknowledgedToo) {
    MemorySink sink;
    auto outcome = run_on({"rule odd when n == 1 or n == 3 -> drop"}, 4, sink);
    EXPECT_EQ(outcome.code, 0);
    EXPECT_EQ(sink.written, "{\"n\":2}\n{\"n\":4}\n");
    ASSERT_FALSE(outcome.commits.empty());
    EXPECT_EQ(outcome.commits.back().offset, 4);
}

TEST(RouteRouter, AConsumerThatNeverReadsHoldsAcknowledgementBack) {
    MemorySink sink;
    auto outcome = run_on({"rule all -> stdout, consumer sleep 5"}, 3, sink, 0.2);
    EXPECT_EQ(outcome.code, 0);
    EXPECT_EQ(sink.written, "{\"n\":1}\n{\"n\":2}\n{\"n\":3}\n");
    // Written to stdout, never read by the consumer: nothing is acknowledged.
    EXPECT_TRUE(outcome.commits.empty());
    EXPECT_NE(outcome.errors.find("consumer sleep 5: delivered 0, dropped 0, spilled 0, queued 0, restarts 0, lost 3"),
              std::string::npos)
        << outcome.errors;
}

TEST(RouteRouter, AConsumerThatReadsEverythingLetsEverythingBeAcknowledged) {
    MemorySink sink;
    auto outcome = run_on({"rule all -> consumer sh -c 'exec cat > /dev/null'"}, 100, sink);
    EXPECT_EQ(outcome.code, 0);
    ASSERT_FALSE(outcome.commits.empty());
    EXPECT_EQ(outcome.commits.back().offset, 100);
}

TEST(RouteRouter, AFailedOutputIsReportedNeverAcknowledgedAndExits4) {
    MemorySink sink;
    sink.fail = true;
    auto outcome = run_on({"rule all -> stdout"}, 3, sink);
    EXPECT_EQ(outcome.code, 4);
    EXPECT_TRUE(outcome.commits.empty());
    EXPECT_NE(outcome.errors.find("stdout: write failed: No space left on device"), std::string::npos)
        << outcome.errors;
    EXPECT_NE(outcome.errors.find("stdout: delivered 0, dropped 0, spilled 0, queued 0, lost 3"), std::string::npos)
        << outcome.errors;
}

}  // namespace
}  // namespace ev::route
