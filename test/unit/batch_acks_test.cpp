// Tests for lib/batch/acks.cpp and the acknowledgement rules of the engines:
// a position is acknowledged only once every output it caused is durable,
// out-of-order completion, several streams, inputs without outputs, a sink
// whose reader has gone, and group members held by their group.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <csignal>
#include <cstdio>
#include <functional>
#include <string>
#include <vector>

#include "batch/acks.h"
#include "batch/each.h"
#include "batch/group.h"
#include "batch/grouper.h"
#include "core/input.h"
#include "core/signals.h"
#include "core/writer.h"

namespace ev::batch {
namespace {

struct Recorder final : Acknowledger {
    std::vector<Position> acks;
    void acknowledge(const Position& p) override { acks.push_back(p); }
    // The last acknowledged offset of stream, -1 when none.
    int64_t last(uint32_t stream = 0) const {
        int64_t at = -1;
        for (const Position& p : acks) {
            if (p.stream == stream) {
                at = p.offset;
            }
        }
        return at;
    }
};

// A sink on /dev/null: writes always succeed.
struct NullSink {
    int fd = ::open("/dev/null", O_WRONLY | O_CLOEXEC);
    Writer writer{fd};
    ~NullSink() { ::close(fd); }
};

Position at(int64_t offset, uint32_t stream = 0) {
    return Position{stream, offset};
}

TEST(BatchAcks, NothingIsAcknowledgedBeforeItsLineIsFlushed) {
    NullSink sink;
    Recorder rec;
    Acks acks(sink.writer, rec);
    auto t = acks.begin(at(10));
    sink.writer.write_line("{}");
    acks.written(t);
    acks.commit();
    EXPECT_EQ(rec.last(), -1);
    ASSERT_TRUE(sink.writer.flush());
    acks.commit();
    EXPECT_EQ(rec.last(), 10);
    EXPECT_EQ(acks.pending(), 0u);
}

TEST(BatchAcks, OutOfOrderCompletionWaitsForTheOldest) {
    NullSink sink;
    Recorder rec;
    Acks acks(sink.writer, rec);
    auto t1 = acks.begin(at(10));
    auto t2 = acks.begin(at(20));
    auto t3 = acks.begin(at(30));
    sink.writer.write_line("r3");
    acks.written(t3);
    sink.writer.write_line("r1");
    acks.written(t1);
    ASSERT_TRUE(sink.writer.flush());
    acks.commit();
    EXPECT_EQ(rec.last(), 10);  // t2 still running holds 20 and 30 back
    sink.writer.write_line("r2");
    acks.written(t2);
    ASSERT_TRUE(sink.writer.flush());
    acks.commit();
    EXPECT_EQ(rec.last(), 30);
}

TEST(BatchAcks, InputsWithoutOutputsAreCoveredWithoutTickets) {
    NullSink sink;
    Recorder rec;
    Acks acks(sink.writer, rec);
    acks.passed(at(5));
    acks.passed(at(8));
    acks.commit();
    EXPECT_EQ(rec.last(), 8);
    auto t = acks.begin(at(12));
    acks.passed(at(15));  // a rejected line after a running job
    acks.commit();
    EXPECT_EQ(rec.last(), 8);
    sink.writer.write_line("r");
    acks.written(t);
    ASSERT_TRUE(sink.writer.flush());
    acks.commit();
    EXPECT_EQ(rec.last(), 15);
    EXPECT_EQ(acks.pending(), 0u);
}

TEST(BatchAcks, StreamsAdvanceOnTheirOwn) {
    NullSink sink;
    Recorder rec;
    Acks acks(sink.writer, rec);
    auto a1 = acks.begin(at(10, 0));
    auto b1 = acks.begin(at(100, 1));
    auto b2 = acks.begin(at(200, 1));
    sink.writer.write_line("b1");
    acks.written(b1);
    sink.writer.write_line("b2");
    acks.written(b2);
    ASSERT_TRUE(sink.writer.flush());
    acks.commit();
    EXPECT_EQ(rec.last(1), 200);
    EXPECT_EQ(rec.last(0), -1);
    acks.done(a1);
    acks.commit();
    EXPECT_EQ(rec.last(0), 10);
}

TEST(BatchAcks, NothingAfterTheOutputEndedIsAcknowledged) {
    std::signal(SIGPIPE, SIG_IGN);
    int p[2];
    ASSERT_EQ(::pipe(p), 0);
    ::close(p[0]);
    Writer writer(p[1]);
    Recorder rec;
    Acks acks(writer, rec);
    auto t = acks.begin(at(10));
    writer.write_line("lost");
    acks.written(t);
    EXPECT_FALSE(writer.flush());
    EXPECT_TRUE(writer.ended());
    acks.commit();
    acks.passed(at(20));
    acks.commit();
    EXPECT_EQ(rec.last(), -1);
    ::close(p[1]);
}

// ------------------------------------------------------------- grouper

GroupTiming timing() {
    GroupTiming t;
    t.wait = 30;
    t.interval = 300;
    t.repeat = 3600;
    return t;
}

struct GrouperRig {
    NullSink sink;
    Recorder rec;
    Acks acks{sink.writer, rec};
    Grouper grouper{timing()};
    GrouperRig() { grouper.set_acks(&acks); }
    void add(const char* key, const char* subject, State state, double now, int64_t offset) {
        grouper.add(key, subject, "check", state, "", "{}", now, at(offset));
        acks.passed(at(offset));
    }
    // Writes what is due at now as the engine does, flushes, commits.
    std::size_t send(double now, bool write = true) {
        std::vector<Notification> out;
        grouper.advance(now, out);
        for (const Notification& n : out) {
            sink.writer.write_line("alert");
            if (write) {
                for (auto t : n.tickets) {
                    acks.written(t);
                }
            }
        }
        EXPECT_TRUE(sink.writer.flush());
        acks.commit();
        return out.size();
    }
};

TEST(BatchAcks, AMemberIsHeldUntilTheNotificationCoveringItIsWritten) {
    GrouperRig g;
    g.add("k", "web1", State::critical, 100, 10);
    g.add("k", "web2", State::critical, 101, 20);
    g.add("k", "web1", State::critical, 102, 30);  // no change, still covered by the first notification
    EXPECT_EQ(g.send(110), 0u);
    EXPECT_EQ(g.rec.last(), -1);
    EXPECT_EQ(g.send(130), 1u);
    EXPECT_EQ(g.rec.last(), 30);
    // Nothing new for a notified group: acknowledged at once.
    g.add("k", "web1", State::critical, 140, 40);
    EXPECT_EQ(g.send(141), 0u);
    EXPECT_EQ(g.rec.last(), 40);
    // A change waits for the next interval's notification.
    g.add("k", "web2", State::ok, 150, 50);
    EXPECT_EQ(g.send(151), 0u);
    EXPECT_EQ(g.rec.last(), 40);
    EXPECT_EQ(g.send(430), 1u);
    EXPECT_EQ(g.rec.last(), 50);
}

TEST(BatchAcks, ANotificationNotWrittenHoldsItsMembers) {
    GrouperRig g;
    g.add("k", "web1", State::critical, 100, 10);
    EXPECT_EQ(g.send(130, false), 1u);  // built, but its line never written
    g.add("k", "web1", State::critical, 140, 20);
    EXPECT_EQ(g.send(141), 0u);
    EXPECT_EQ(g.rec.last(), -1);
}

TEST(BatchAcks, AGroupThatResolvesSilentlyReleasesItsMembers) {
    GrouperRig g;
    g.add("k", "web1", State::critical, 100, 10);
    g.add("k", "web1", State::ok, 105, 20);
    EXPECT_EQ(g.send(130), 0u);  // resolved within --wait: nobody is paged
    EXPECT_EQ(g.rec.last(), 20);
    EXPECT_EQ(g.acks.pending(), 0u);
}

TEST(BatchAcks, AMemberThatMovesIsHeldByBothGroups) {
    GrouperRig g;
    g.add("a", "web1", State::critical, 100, 10);
    EXPECT_EQ(g.send(130), 1u);
    EXPECT_EQ(g.rec.last(), 10);
    g.add("b", "web1", State::critical, 200, 20);  // leaves a, joins b
    EXPECT_EQ(g.send(230), 1u);                    // b's "new"
    EXPECT_EQ(g.rec.last(), 10);                   // a has not told of the leave yet
    EXPECT_EQ(g.send(430), 1u);                    // a: web1 resolved there, so a's page is closed
    EXPECT_EQ(g.rec.last(), 20);
}

// ------------------------------------------------------------- engines

// Lines from memory, with a callback at each commit (the acknowledgements).
class MemorySource final : public Source {
public:
    MemorySource(std::vector<std::string> lines, std::function<void(const Position&)> on_commit)
        : m_on_commit(std::move(on_commit)) {
        for (std::string& l : lines) {
            m_offset += static_cast<int64_t>(l.size()) + 1;
            m_offsets.push_back(m_offset);
            l.append(64, ' ');  // simdjson padding after the view
            m_lines.push_back(std::move(l));
        }
    }
    Status next(Line& out, int) override {
        if (m_next == m_lines.size()) {
            return Status::end;
        }
        const std::string& l = m_lines[m_next];
        out.bytes = std::string_view(l.data(), l.size() - 64);
        out.stream = "mem";
        out.number = m_next + 1;
        out.position = Position{0, m_offsets[m_next]};
        ++m_next;
        return Status::line;
    }
    int poll_fd() override { return -1; }
    void commit(const Position& p) override { m_on_commit(p); }
    bool drains_on_interrupt() const override { return false; }
    bool io_failed() const override { return false; }
    int64_t offset_of(std::size_t line) const { return m_offsets[line - 1]; }

private:
    std::vector<std::string> m_lines;
    std::vector<int64_t> m_offsets;
    int64_t m_offset = 0;
    std::size_t m_next = 0;
    std::function<void(const Position&)> m_on_commit;
};

// Lines in a file so far.
std::size_t lines_in(const std::string& path) {
    std::FILE* f = std::fopen(path.c_str(), "r");
    std::size_t n = 0;
    for (int c; f != nullptr && (c = std::fgetc(f)) != EOF;) {
        n += c == '\n';
    }
    if (f != nullptr) {
        std::fclose(f);
    }
    return n;
}

struct Commit {
    int64_t offset;
    std::size_t output_lines;  // lines of output durable when it was made
};

TEST(BatchAcks, EachAcknowledgesAnEventOnlyAfterItsResultIsOut) {
    signals::reset();
    char out_name[] = "/tmp/evbatch_acks_out_XXXXXX";
    int out_fd = mkstemp(out_name);
    std::vector<Commit> commits;
    std::vector<std::string> lines = {R"({"subject":"a"})", R"({"x":1})", R"({"subject":"b"})", R"({"subject":"c"})"};
    auto source = std::make_unique<MemorySource>(lines, [&](const Position& p) {
        commits.push_back({p.offset, lines_in(out_name)});
    });
    MemorySource* mem = source.get();
    EachOptions o;
    o.command = {"echo", "{subject}"};
    o.progress = "never";
    Diagnostics diag("evbatch", [](std::string_view) {});
    int code = 0;
    {
        Input input(o.input, diag, std::move(source));
        Writer sink(out_fd);
        code = run_each(o, input, sink, 2, diag);
        ASSERT_FALSE(commits.empty());
        EXPECT_EQ(commits.back().offset, mem->offset_of(4));
        // Results come in input order (one action at a time): the event on
        // line k (k - 1 before it when line 2 is rejected) has its result out.
        for (const Commit& c : commits) {
            std::size_t needed = c.offset >= mem->offset_of(4) ? 3 : c.offset >= mem->offset_of(3) ? 2 : 1;
            EXPECT_GE(c.output_lines, needed) << "offset " << c.offset;
        }
    }
    EXPECT_EQ(code, 0);
    ::close(out_fd);
    std::remove(out_name);
}

TEST(BatchAcks, EachAcknowledgesNothingOnceItsOutputHasGone) {
    signals::reset();
    std::signal(SIGPIPE, SIG_IGN);
    int p[2];
    ASSERT_EQ(::pipe(p), 0);
    ::close(p[0]);
    std::vector<Position> commits;
    auto source = std::make_unique<MemorySource>(std::vector<std::string>{R"({"subject":"a"})", R"({"subject":"b"})"},
                                                 [&](const Position& pos) { commits.push_back(pos); });
    EachOptions o;
    o.command = {"true"};
    o.progress = "never";
    Diagnostics diag("evbatch", [](std::string_view) {});
    {
        Input input(o.input, diag, std::move(source));
        Writer sink(p[1]);
        EXPECT_EQ(run_each(o, input, sink, 2, diag), 0);
    }
    EXPECT_TRUE(commits.empty());
    ::close(p[1]);
}

TEST(BatchAcks, GroupAcknowledgesMembersOnceTheirNotificationIsOut) {
    signals::reset();
    char out_name[] = "/tmp/evbatch_acks_gout_XXXXXX";
    int out_fd = mkstemp(out_name);
    std::vector<Commit> commits;
    std::vector<std::string> lines = {
        R"({"time":100,"subject":"web1","name":"c","state":"critical"})",
        R"({"time":110,"subject":"web2","name":"c","state":"critical"})",
        R"({"time":120,"subject":"web9","name":"m","metric":1})",
        R"({"time":500,"subject":"web1","name":"c","state":"ok"})",
    };
    auto source = std::make_unique<MemorySource>(lines, [&](const Position& p) {
        commits.push_back({p.offset, lines_in(out_name)});
    });
    MemorySource* mem = source.get();
    GroupOptions o;
    o.clock = ClockKind::event;
    Diagnostics diag("evbatch", [](std::string_view) {});
    {
        Input input(o.input, diag, std::move(source));
        Writer sink(out_fd);
        EXPECT_EQ(run_group(o, input, sink, diag), 0);
        ASSERT_FALSE(commits.empty());
        EXPECT_EQ(commits.back().offset, mem->offset_of(4));
        for (const Commit& c : commits) {
            // Lines 1-3 are covered by the "new" alert (at 130), line 4 by the "changed" one.
            std::size_t needed = c.offset >= mem->offset_of(4) ? 2 : 1;
            EXPECT_GE(c.output_lines, needed) << "offset " << c.offset;
        }
    }
    EXPECT_EQ(lines_in(out_name), 2u);
    ::close(out_fd);
    std::remove(out_name);
}

}  // namespace
}  // namespace ev::batch
