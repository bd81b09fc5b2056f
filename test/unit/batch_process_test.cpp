// Tests for lib/batch/process.cpp: spawning, stdin, output tail, timeouts.
#include <gtest/gtest.h>

#include <csignal>

#include "batch/process.h"

namespace ev::batch {
namespace {

std::vector<Finished> run_all(Runner& runner, std::size_t n) {
    std::vector<Finished> all;
    double give_up = monotonic_now() + 20;
    while (all.size() < n && monotonic_now() < give_up) {
        runner.wait(100);
        for (Finished& f : runner.take_finished()) {
            all.push_back(std::move(f));
        }
    }
    return all;
}

TEST(BatchProcess, RunsArgvWithoutAShell) {
    SignalGate gate({});
    Runner runner(gate, 4096, 1);
    runner.start(SpawnRequest{{"printf", "%s|", "a b", "$(id)"}, {}, "", 0, 7});
    auto done = run_all(runner, 1);
    ASSERT_EQ(done.size(), 1u);
    EXPECT_EQ(done[0].tag, 7u);
    EXPECT_TRUE(done[0].spawned);
    EXPECT_TRUE(done[0].exited);
    EXPECT_EQ(done[0].exit_code, 0);
    EXPECT_EQ(done[0].output, "a b|$(id)|");
}

TEST(BatchProcess, FeedsStdinAndEnvironment) {
    SignalGate gate({});
    Runner runner(gate, 1 << 20, 1);
    std::string big(200000, 'x');
    runner.start(SpawnRequest{{"sh", "-c", "wc -c; echo \"$EV_TEST\"; exit 3"}, {"EV_TEST=hello"}, big, 0, 1});
    auto done = run_all(runner, 1);
    ASSERT_EQ(done.size(), 1u);
    EXPECT_EQ(done[0].exit_code, 3);
    EXPECT_EQ(done[0].output, "200000\nhello\n");
}

TEST(BatchProcess, KeepsTheTailOfLongOutput) {
    SignalGate gate({});
    Runner runner(gate, 10, 1);
    runner.start(SpawnRequest{{"sh", "-c", "seq 1 10000"}, {}, "", 0, 1});
    auto done = run_all(runner, 1);
    ASSERT_EQ(done.size(), 1u);
    EXPECT_EQ(done[0].output, "999\n10000\n");
    EXPECT_TRUE(done[0].truncated);
}

TEST(BatchProcess, SpawnFailureIsReported) {
    SignalGate gate({});
    Runner runner(gate, 4096, 1);
    runner.start(SpawnRequest{{"/nonexistent/x"}, {}, "", 0, 9});
    auto done = run_all(runner, 1);
    ASSERT_EQ(done.size(), 1u);
    EXPECT_FALSE(done[0].spawned);
    EXPECT_EQ(done[0].spawn_error, "No such file or directory");
}

TEST(BatchProcess, TimeoutKillsTheProcessGroup) {
    SignalGate gate({});
    Runner runner(gate, 4096, 0.2);
    double start = monotonic_now();
    runner.start(SpawnRequest{{"sh", "-c", "trap '' TERM; sleep 30 & wait"}, {}, "", 0.2, 1});
    auto done = run_all(runner, 1);
    ASSERT_EQ(done.size(), 1u);
    EXPECT_TRUE(done[0].timed_out);
    EXPECT_FALSE(done[0].exited);
    EXPECT_EQ(done[0].signal, SIGKILL);
    EXPECT_LT(monotonic_now() - start, 5);
}

TEST(BatchProcess, ManyAtOnce) {
    SignalGate gate({});
    Runner runner(gate, 4096, 1);
    for (uint64_t i = 0; i < 20; ++i) {
        runner.start(SpawnRequest{{"true"}, {}, "", 0, i});
    }
    EXPECT_LE(runner.running(), 20u);
    auto done = run_all(runner, 20);
    EXPECT_EQ(done.size(), 20u);
    EXPECT_EQ(runner.running(), 0u);
}

}  // namespace
}  // namespace ev::batch
