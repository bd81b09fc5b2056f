#include "core/line_reader.h"

#include <gtest/gtest.h>
#include <pthread.h>
#include <signal.h>
#include <unistd.h>

#include <chrono>

#include <string>
#include <thread>
#include <vector>

namespace {

// Feeds text through a pipe and collects what the reader returns.
struct Collected {
    std::vector<std::string> lines;
    std::vector<std::string> long_lines;
};

Collected read_all(const std::string& text, std::size_t max_line, std::size_t block = 64) {
    int fds[2];
    EXPECT_EQ(pipe(fds), 0);
    std::thread writer([&] {
        std::size_t done = 0;
        while (done < text.size()) {
            ssize_t n = write(fds[1], text.data() + done, std::min<std::size_t>(7, text.size() - done));
            ASSERT_GT(n, 0);
            done += static_cast<std::size_t>(n);
        }
        close(fds[1]);
    });
    ev::LineReader reader(fds[0], max_line, block);
    Collected out;
    std::string current_long;
    std::string_view line;
    for (;;) {
        auto status = reader.next(line);
        if (status == ev::LineReader::Status::end) {
            break;
        }
        if (status == ev::LineReader::Status::line) {
            out.lines.emplace_back(line);
        } else if (status == ev::LineReader::Status::long_piece) {
            current_long += line;
        } else if (status == ev::LineReader::Status::long_end) {
            current_long += line;
            out.long_lines.push_back(current_long);
            current_long.clear();
        } else {
            ADD_FAILURE() << "unexpected status";
            break;
        }
    }
    writer.join();
    close(fds[0]);
    return out;
}

TEST(LineReader, SplitsLinesAcrossSmallReads) {
    auto got = read_all("{\"a\":1}\n{\"b\":2}\n", 100);
    EXPECT_EQ(got.lines, (std::vector<std::string>{"{\"a\":1}", "{\"b\":2}"}));
}

TEST(LineReader, StripsCarriageReturns) {
    auto got = read_all("one\r\ntwo\r\n", 100);
    EXPECT_EQ(got.lines, (std::vector<std::string>{"one", "two"}));
}

TEST(LineReader, KeepsLastLineWithoutNewline) {
    auto got = read_all("one\ntwo", 100);
    EXPECT_EQ(got.lines, (std::vector<std::string>{"one", "two"}));
}

TEST(LineReader, ReturnsEmptyLinesForTheCallerToSkip) {
    auto got = read_all("a\n\nb\n", 100);
    EXPECT_EQ(got.lines, (std::vector<std::string>{"a", "", "b"}));
}

TEST(LineReader, RejectsOverlongLineAndResynchronises) {
    std::string big(500, 'x');
    auto got = read_all("short\n" + big + "\nafter\n", 100, 32);
    EXPECT_EQ(got.lines, (std::vector<std::string>{"short", "after"}));
    ASSERT_EQ(got.long_lines.size(), 1u);
    EXPECT_EQ(got.long_lines[0], big);
}

TEST(LineReader, OverlongLastLineWithoutNewline) {
    std::string big(300, 'y');
    auto got = read_all("a\n" + big, 100, 32);
    EXPECT_EQ(got.lines, (std::vector<std::string>{"a"}));
    ASSERT_EQ(got.long_lines.size(), 1u);
    EXPECT_EQ(got.long_lines[0], big);
}

TEST(LineReader, LineOfExactlyTheLimitIsAccepted) {
    std::string exact(100, 'z');
    auto got = read_all(exact + "\r\n" + exact + "\n", 100, 16);
    EXPECT_EQ(got.lines, (std::vector<std::string>{exact, exact}));
    EXPECT_TRUE(got.long_lines.empty());
}

TEST(LineReader, CallsIdleWhenNoInputIsReady) {
    int fds[2];
    ASSERT_EQ(pipe(fds), 0);
    ev::LineReader reader(fds[0], 100);
    int idle_calls = 0;
    reader.set_idle([&] { ++idle_calls; });
    std::string_view line;
    EXPECT_EQ(reader.next(line, 10), ev::LineReader::Status::timeout);
    EXPECT_GE(idle_calls, 1);
    ASSERT_EQ(write(fds[1], "x\n", 2), 2);
    EXPECT_EQ(reader.next(line, 1000), ev::LineReader::Status::line);
    EXPECT_EQ(line, "x");
    close(fds[1]);
    EXPECT_EQ(reader.next(line, 1000), ev::LineReader::Status::end);
    close(fds[0]);
}

}  // namespace

namespace {

void ignore_signal(int) {}

TEST(LineReader, OtherSignalsWakeACallerWithATimeout) {
    struct sigaction sa {};
    sa.sa_handler = ignore_signal;  // no SA_RESTART: poll returns EINTR
    sigaction(SIGUSR2, &sa, nullptr);
    int fds[2];
    ASSERT_EQ(pipe(fds), 0);
    ev::LineReader reader(fds[0], 100);
    pthread_t self = pthread_self();
    std::thread poker([self] {
        usleep(100000);
        pthread_kill(self, SIGUSR2);
    });
    std::string_view line;
    auto start = std::chrono::steady_clock::now();
    EXPECT_EQ(reader.next(line, 10000), ev::LineReader::Status::timeout);
    EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(5));
    poker.join();
    close(fds[0]);
    close(fds[1]);
}

}  // namespace
