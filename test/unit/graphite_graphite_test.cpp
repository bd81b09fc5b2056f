#include "graphite/graphite.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdio>
#include <string>
#include <vector>

#include "core/clock.h"
#include "core/signals.h"

namespace {

using ev::graphite::Options;
using ev::graphite::parse_size;

TEST(GraphiteSize, ParsesUnits) {
    EXPECT_EQ(parse_size("0").value(), 0u);
    EXPECT_EQ(parse_size("4096").value(), 4096u);
    EXPECT_EQ(parse_size("64K").value(), 65536u);
    EXPECT_EQ(parse_size("64M").value(), 64u << 20);
    EXPECT_EQ(parse_size("2g").value(), std::size_t{2} << 30);
    EXPECT_EQ(parse_size("12Q").error(), "'12Q' is not a size (digits with K, M or G)");
    EXPECT_EQ(parse_size("").error(), "'' is not a size (digits with K, M or G)");
    EXPECT_FALSE(parse_size("-1").ok());
    EXPECT_FALSE(parse_size("99999999999999999999G").ok());
}

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
    ran.code = ev::graphite::run(options, out_fd, diag, clock);
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
    options.resend_window = "later";
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

}  // namespace
