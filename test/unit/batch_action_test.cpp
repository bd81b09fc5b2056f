// Tests for lib/batch/action.cpp: evbatch's process policy on the core
// ChildSet: argv without a shell, stdin and environment, the output's tail,
// merged stderr, timeouts to the process group, spawn failures.
#include <gtest/gtest.h>

#include <csignal>
#include <cstring>

#include "batch/action.h"
#include "batch/result.h"
#include "core/clock.h"

namespace ev::batch {
namespace {

std::vector<ChildResult> run_all(ChildSet& children, std::size_t n) {
    std::vector<ChildResult> all;
    double give_up = steady_now() + 20;
    while (all.size() < n && steady_now() < give_up) {
        children.wait(100);
        for (ChildResult& r : children.take_finished()) {
            all.push_back(std::move(r));
        }
    }
    return all;
}

ActionPolicy policy(std::size_t output_limit = 4096, double timeout = 0, double kill_after = 1) {
    ActionPolicy p;
    p.output_limit = output_limit;
    p.timeout = timeout;
    p.kill_after = kill_after;
    return p;
}

TEST(BatchAction, RunsArgvWithoutAShell) {
    ChildSet children;
    children.start(action_spec({"printf", "%s|", "a b", "$(id)"}, {}, "", policy(), 7));
    auto done = run_all(children, 1);
    ASSERT_EQ(done.size(), 1u);
    EXPECT_EQ(done[0].tag, 7u);
    EXPECT_EQ(done[0].ending, Ending::exited);
    EXPECT_EQ(done[0].exit_code, 0);
    EXPECT_TRUE(succeeded(done[0]));
    EXPECT_EQ(done[0].out, "a b|$(id)|");
}

TEST(BatchAction, FeedsStdinAndEnvironmentAndMergesStderr) {
    ChildSet children;
    std::string big(200000, 'x');
    children.start(
        action_spec({"sh", "-c", "wc -c; echo \"$EV_TEST\" >&2; exit 3"}, {"EV_TEST=hello"}, big, policy(1 << 20), 1));
    auto done = run_all(children, 1);
    ASSERT_EQ(done.size(), 1u);
    EXPECT_EQ(done[0].exit_code, 3);
    EXPECT_FALSE(succeeded(done[0]));
    EXPECT_EQ(done[0].out, "200000\nhello\n");
    EXPECT_EQ(done[0].err, "");
}

TEST(BatchAction, KeepsTheTailOfLongOutput) {
    ChildSet children;
    children.start(action_spec({"sh", "-c", "seq 1 10000"}, {}, "", policy(10), 1));
    auto done = run_all(children, 1);
    ASSERT_EQ(done.size(), 1u);
    EXPECT_EQ(done[0].out, "999\n10000\n");
    EXPECT_TRUE(done[0].out_truncated);
}

TEST(BatchAction, SpawnFailureIsReported) {
    ChildSet children;
    children.start(action_spec({"/nonexistent/x"}, {}, "", policy(), 9));
    auto done = run_all(children, 1);
    ASSERT_EQ(done.size(), 1u);
    EXPECT_EQ(done[0].ending, Ending::failed_to_start);
    EXPECT_STREQ(std::strerror(done[0].spawn_errno), "No such file or directory");
    EXPECT_FALSE(succeeded(done[0]));
}

TEST(BatchAction, TimeoutKillsTheProcessGroup) {
    ChildSet children;
    double start = steady_now();
    children.start(action_spec({"sh", "-c", "trap '' TERM; sleep 30 & wait"}, {}, "", policy(4096, 0.2, 0.2), 1));
    auto done = run_all(children, 1);
    ASSERT_EQ(done.size(), 1u);
    EXPECT_TRUE(done[0].timed_out);
    EXPECT_EQ(done[0].ending, Ending::signaled);
    EXPECT_EQ(done[0].signal, SIGKILL);
    EXPECT_LT(steady_now() - start, 5);
}

TEST(BatchAction, ABackgroundProcessDoesNotHoldTheResult) {
    ChildSet children;
    double start = steady_now();
    // The background sleep keeps the output pipe open; the result comes when sh exits.
    children.start(action_spec({"sh", "-c", "echo started; sleep 3 & exit 0"}, {}, "", policy(), 1));
    auto done = run_all(children, 1);
    ASSERT_EQ(done.size(), 1u);
    EXPECT_EQ(done[0].exit_code, 0);
    EXPECT_EQ(done[0].out, "started\n");
    EXPECT_LT(steady_now() - start, 2);
    // Leftovers::leave: the sleep is still there, in the action's group; it is ours to end.
    EXPECT_EQ(::kill(-done[0].pid, SIGKILL), 0);
}

TEST(BatchAction, StopSendsTermThenKill) {
    ChildSet children;
    double start = steady_now();
    ChildId id = children.start(action_spec({"sh", "-c", "trap '' TERM; sleep 30"}, {}, "", policy(4096, 0, 0.2), 1));
    children.wait(50);
    EXPECT_TRUE(children.stop(id, 0.2));
    auto done = run_all(children, 1);
    ASSERT_EQ(done.size(), 1u);
    EXPECT_TRUE(done[0].stopped);
    EXPECT_FALSE(done[0].timed_out);
    EXPECT_EQ(done[0].signal, SIGKILL);
    EXPECT_LT(steady_now() - start, 5);
}

TEST(BatchAction, ManyAtOnce) {
    ChildSet children;
    for (uint64_t i = 0; i < 20; ++i) {
        children.start(action_spec({"true"}, {}, "", policy(), i));
    }
    auto done = run_all(children, 20);
    EXPECT_EQ(done.size(), 20u);
    EXPECT_TRUE(children.empty());
}

}  // namespace
}  // namespace ev::batch
