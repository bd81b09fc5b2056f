#include "core/writer.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <unistd.h>

#include <string>

namespace {

std::string drain(int fd) {
    std::string out;
    char buf[4096];
    ssize_t n;
    while ((n = read(fd, buf, sizeof buf)) > 0) {
        out.append(buf, static_cast<std::size_t>(n));
    }
    return out;
}

TEST(Writer, BuffersUntilFlush) {
    int fds[2];
    ASSERT_EQ(pipe2(fds, O_NONBLOCK), 0);
    {
        ev::Writer out(fds[1]);
        out.write_line("{\"a\":1}");
        EXPECT_EQ(drain(fds[0]), "");
        ASSERT_TRUE(out.flush().ok());
        EXPECT_EQ(drain(fds[0]), "{\"a\":1}\n");
        out.buffer() += "{}";
        out.end_line();
    }
    EXPECT_EQ(drain(fds[0]), "{}\n");
    close(fds[0]);
    close(fds[1]);
}

TEST(Writer, ClosedReaderMeansBrokenNotFailed) {
    signal(SIGPIPE, SIG_IGN);
    int fds[2];
    ASSERT_EQ(pipe(fds), 0);
    close(fds[0]);
    ev::Writer out(fds[1]);
    out.write_line("x");
    (void)out.flush();
    EXPECT_TRUE(out.broken());
    EXPECT_FALSE(out.failed());
    close(fds[1]);
}

}  // namespace
