#include "nagios/runner.h"

#include <dirent.h>
#include <signal.h>
#include <sys/wait.h>

#include <gtest/gtest.h>

#include <cstdlib>

namespace ev::nagios {
namespace {

std::string fixture(const std::string& name) {
    const char* root = std::getenv("EVKIT_ROOT");
    return std::string(root != nullptr ? root : ".") + "/test/fixtures/nagios/" + name;
}

int open_fds() {
    int n = 0;
    DIR* dir = opendir("/proc/self/fd");
    while (dirent* e = readdir(dir)) {
        n += e->d_name[0] != '.';
    }
    closedir(dir);
    return n;
}

// Polls until the run with token finishes or seconds pass.
std::optional<Finished> wait_for(Runner& runner, uint64_t token, double seconds,
                                 std::vector<Finished>* others = nullptr) {
    double until = steady_now() + seconds;
    while (steady_now() < until) {
        std::vector<Finished> done;
        runner.poll(50, done);
        std::optional<Finished> found;
        for (Finished& f : done) {
            if (f.token == token) {
                found = std::move(f);
            } else if (others != nullptr) {
                others->push_back(std::move(f));
            }
        }
        if (found) {
            return found;
        }
    }
    return std::nullopt;
}

Finished run(std::vector<std::string> argv, double timeout = 5, RunnerOptions options = {}) {
    Runner runner(options);
    uint64_t token = runner.start(Command{std::move(argv), timeout, 8192});
    auto f = wait_for(runner, token, timeout + 5);
    EXPECT_TRUE(f.has_value());
    return f ? *f : Finished{};
}

TEST(NagiosRunner, ExitCodeAndOutput) {
    Finished f = run({fixture("exit_code.sh"), "3"});
    EXPECT_EQ(f.record.end.kind, RunEnd::Kind::exited);
    EXPECT_EQ(f.record.end.exit_code, 3);
    EXPECT_EQ(f.record.out, "exiting with 3\n");
    EXPECT_GT(f.record.duration, 0);
    EXPECT_GT(f.record.time, 1e9);
}

TEST(NagiosRunner, RealPluginThroughPathLookup) {
    RunnerOptions options;
    options.env = {"PATH=/usr/lib/nagios/plugins"};
    Finished f = run({"check_dummy", "1", "from PATH"}, 5, options);
    EXPECT_EQ(f.record.end.exit_code, 1);
    EXPECT_EQ(f.record.out, "WARNING: from PATH\n");
}

TEST(NagiosRunner, MissingAndNotExecutable) {
    Finished missing = run({"/nonexistent/check_x"});
    EXPECT_EQ(missing.record.end.kind, RunEnd::Kind::spawn_failed);
    EXPECT_EQ(missing.record.end.exit_code, 127);
    EXPECT_EQ(missing.record.err, "evsrc-nagios: cannot run /nonexistent/check_x: No such file or directory");
    Finished noexec = run({fixture("not_executable.sh")});
    EXPECT_EQ(noexec.record.end.exit_code, 126);
    Finished nopath = run({"no-such-plugin-anywhere"});
    EXPECT_EQ(nopath.record.end.exit_code, 127);
}

TEST(NagiosRunner, KilledBySignal) {
    Finished f = run({fixture("kill_self.sh")});
    EXPECT_EQ(f.record.end.kind, RunEnd::Kind::signaled);
    EXPECT_EQ(f.record.end.signal, SIGKILL);
    EXPECT_EQ(f.record.out, "about to die\n");
}

TEST(NagiosRunner, MinimalEnvironmentAndNoLeakedDescriptors) {
    Finished env = run({fixture("env.sh")});
    EXPECT_EQ(env.record.out.find("HOME="), std::string::npos);
    EXPECT_NE(env.record.out.find("LC_ALL=C\n"), std::string::npos);
    Finished fds = run({fixture("fds.sh")});
    EXPECT_EQ(fds.record.out, "0\n1\n10\n2\n");  // dash keeps the script itself on 10
}

TEST(NagiosRunner, TimeoutTermsTheGroupAndReportsAtOnce) {
    Runner runner(RunnerOptions{.kill_grace = 0.3});
    double t0 = steady_now();
    uint64_t token = runner.start(Command{{fixture("sleep.sh")}, 0.3, 8192});
    auto f = wait_for(runner, token, 3);
    ASSERT_TRUE(f.has_value());
    EXPECT_LT(steady_now() - t0, 1.0);
    EXPECT_EQ(f->record.end.kind, RunEnd::Kind::timed_out);
    EXPECT_EQ(f->record.end.timeout, 0.3);
    EXPECT_EQ(f->record.out, "sleeping\n");
    while (runner.lingering() > 0 && steady_now() - t0 < 3) {
        std::vector<Finished> none;
        runner.poll(20, none);
    }
    EXPECT_EQ(runner.lingering(), 0u);
}

TEST(NagiosRunner, IgnoredTermGetsKillAfterGrace) {
    Runner runner(RunnerOptions{.kill_grace = 0.3});
    double t0 = steady_now();
    uint64_t token = runner.start(Command{{fixture("ignore_term.sh")}, 0.2, 8192});
    auto f = wait_for(runner, token, 3);
    ASSERT_TRUE(f.has_value());
    EXPECT_EQ(f->record.end.kind, RunEnd::Kind::timed_out);
    EXPECT_EQ(runner.lingering(), 1u);
    while (runner.lingering() > 0 && steady_now() - t0 < 3) {
        std::vector<Finished> none;
        runner.poll(20, none);
    }
    EXPECT_EQ(runner.lingering(), 0u);
    double took = steady_now() - t0;
    EXPECT_GE(took, 0.45);
    EXPECT_LT(took, 1.5);
}

TEST(NagiosRunner, ChildHoldingThePipeDoesNotBlock) {
    Runner runner(RunnerOptions{.exit_grace = 0.1});
    double t0 = steady_now();
    uint64_t token = runner.start(Command{{fixture("fork_child.sh")}, 5, 8192});
    auto f = wait_for(runner, token, 3);
    ASSERT_TRUE(f.has_value());
    EXPECT_LT(steady_now() - t0, 1.0);
    EXPECT_EQ(f->record.end.kind, RunEnd::Kind::exited);
    EXPECT_EQ(f->record.out, "OK - parent done | x=1\n");
}

TEST(NagiosRunner, ClosedStdoutButRunningEndsAtTheTimeout) {
    Finished f = run({fixture("close_stdout.sh")}, 0.3, RunnerOptions{.kill_grace = 0.2});
    EXPECT_EQ(f.record.end.kind, RunEnd::Kind::timed_out);
    EXPECT_EQ(f.record.out, "");
}

TEST(NagiosRunner, FloodIsCutAndFlagged) {
    Runner runner;
    uint64_t token = runner.start(Command{{fixture("flood.sh")}, 10, 1000});
    auto f = wait_for(runner, token, 10);
    ASSERT_TRUE(f.has_value());
    EXPECT_EQ(f->record.end.kind, RunEnd::Kind::exited);
    EXPECT_EQ(f->record.end.exit_code, 0);
    EXPECT_EQ(f->record.out.size(), 1000u);
    EXPECT_TRUE(f->record.truncated);
}

TEST(NagiosRunner, AHungPluginNeverDelaysAnother) {
    Runner runner(RunnerOptions{.kill_grace = 0.2});
    std::vector<uint64_t> hung;
    for (int i = 0; i < 5; ++i) {
        hung.push_back(runner.start(Command{{fixture("sleep.sh")}, 2, 8192}));
    }
    double t0 = steady_now();
    uint64_t quick = runner.start(Command{{fixture("silent.sh")}, 2, 8192});
    auto f = wait_for(runner, quick, 2);
    ASSERT_TRUE(f.has_value());
    EXPECT_LT(steady_now() - t0, 0.5);
    EXPECT_EQ(runner.active(), 5u);
    runner.shutdown(0.2);
    EXPECT_EQ(runner.active(), 0u);
    EXPECT_EQ(runner.lingering(), 0u);
}

TEST(NagiosRunner, NoZombiesNoDescriptorLeaks) {
    int before = open_fds();
    {
        Runner runner(RunnerOptions{.kill_grace = 0.1});
        std::vector<uint64_t> tokens;
        for (const char* script : {"silent.sh", "kill_self.sh", "garbage.sh", "fork_child.sh", "sleep.sh"}) {
            tokens.push_back(runner.start(Command{{fixture(script)}, 0.3, 8192}));
        }
        tokens.push_back(runner.start(Command{{"/nonexistent"}, 1, 8192}));
        std::size_t finished = 0;
        double until = steady_now() + 5;
        while ((finished < tokens.size() || runner.lingering() > 0) && steady_now() < until) {
            std::vector<Finished> done;
            runner.poll(20, done);
            finished += done.size();
        }
        EXPECT_EQ(finished, tokens.size());
        EXPECT_EQ(runner.lingering(), 0u);
    }
    EXPECT_EQ(open_fds(), before);
    // Every child was reaped: nothing left to wait for.
    EXPECT_EQ(::waitpid(-1, nullptr, WNOHANG), -1);
    EXPECT_EQ(errno, ECHILD);
}

}  // namespace
}  // namespace ev::nagios
