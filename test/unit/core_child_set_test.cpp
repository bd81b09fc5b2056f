// Tests for lib/core/child_set.cpp: exits, signals, timeouts (TERM, grace,
// KILL to the group), escapees, stdin modes, output caps, no zombies, no
// descriptor leaks; with pidfds and with the waitid fallback.
#include "core/child_set.h"

#include <dirent.h>
#include <fcntl.h>
#include <gtest/gtest.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <fstream>
#include <limits>
#include <map>
#include <optional>
#include <string>

#include "core/clock.h"

namespace ev {
namespace {

int open_fds() {
    int n = 0;
    DIR* dir = ::opendir("/proc/self/fd");
    while (dirent* e = ::readdir(dir)) {
        n += e->d_name[0] != '.';
    }
    ::closedir(dir);
    return n - 1;  // the directory itself
}

// True when pid has ended: gone, or a zombie nobody reaped yet (a container's
// init may not reap what was reparented to it).
bool ended(pid_t pid) {
    std::ifstream in("/proc/" + std::to_string(pid) + "/stat");
    std::string stat;
    if (!std::getline(in, stat)) {
        return true;
    }
    std::size_t paren = stat.rfind(')');
    char state = paren != std::string::npos && paren + 2 < stat.size() ? stat[paren + 2] : '?';
    return state == 'Z' || state == 'X';
}

bool ends_within(pid_t pid, double seconds) {
    double until = steady_now() + seconds;
    while (!ended(pid)) {
        if (steady_now() > until) {
            return false;
        }
        ::usleep(10000);
    }
    return true;
}

// Drives the set until id's result arrives (or seconds pass); other
// results go to others.
std::optional<ChildResult> wait_for(ChildSet& set, ChildId id, double seconds = 5,
                                    std::vector<ChildResult>* others = nullptr) {
    double until = steady_now() + seconds;
    while (true) {
        std::optional<ChildResult> found;
        for (ChildResult& r : set.take_finished()) {
            if (r.id == id) {
                found = std::move(r);
            } else if (others != nullptr) {
                others->push_back(std::move(r));
            }
        }
        if (found) {
            return found;
        }
        if (steady_now() > until) {
            return std::nullopt;
        }
        set.wait(50);
    }
}

// A pipe a child writes "ready" lines to on its stderr, so a test knows its
// traps are set before it signals it.
class Ready {
public:
    Ready() { EXPECT_EQ(::pipe2(m_fds, O_CLOEXEC), 0); }
    ~Ready() {
        ::close(m_fds[0]);
        ::close(m_fds[1]);
    }
    ChildSpec& wire(ChildSpec& spec) {
        spec.spawn.stderr_mode = OutputMode::to_fd;
        spec.spawn.stderr_fd = m_fds[1];
        return spec;
    }
    // Reads n lines, waiting at most 3 seconds.
    bool wait(int n) {
        double until = steady_now() + 3;
        while (n > 0 && steady_now() < until) {
            pollfd p{m_fds[0], POLLIN, 0};
            if (::poll(&p, 1, 50) == 1) {
                char c = 0;
                if (::read(m_fds[0], &c, 1) == 1 && c == '\n') {
                    --n;
                }
            }
        }
        return n == 0;
    }

private:
    int m_fds[2] = {-1, -1};
};

ChildSpec command(std::vector<std::string> argv) {
    ChildSpec spec;
    spec.spawn.argv = std::move(argv);
    return spec;
}

ChildSpec shell(const std::string& script) {
    return command({"sh", "-c", script});
}

// Runs one child to its end in a fresh set.
ChildResult run(ChildSpec spec, ChildSetOptions options = {}, double seconds = 5) {
    ChildSet set(options);
    ChildId id = set.start(std::move(spec));
    auto r = wait_for(set, id, seconds);
    EXPECT_TRUE(r.has_value()) << "no result within " << seconds << "s";
    EXPECT_EQ(set.active(), 0u);
    return r ? *r : ChildResult{};
}

pid_t first_line_pid(const std::string& out) {
    return static_cast<pid_t>(std::atoi(out.c_str()));
}

// Every test that the exit detection touches runs with pidfds and with the
// waitid fallback.
class CoreChildSet : public ::testing::TestWithParam<bool> {
protected:
    ChildSetOptions options() const { return ChildSetOptions{.use_pidfd = GetParam()}; }
};

INSTANTIATE_TEST_SUITE_P(ExitDetection, CoreChildSet, ::testing::Values(true, false),
                         [](const auto& info) { return info.param ? "pidfd" : "waitid"; });

TEST_P(CoreChildSet, ExitCodes) {
    ChildResult ok = run(command({"true"}), options());
    EXPECT_EQ(ok.ending, Ending::exited);
    EXPECT_EQ(ok.exit_code, 0);
    EXPECT_FALSE(ok.timed_out);
    EXPECT_GT(ok.duration, 0);
    EXPECT_LT(ok.duration, 2);
    ChildResult three = run(shell("echo out; echo err >&2; exit 3"), options());
    EXPECT_EQ(three.ending, Ending::exited);
    EXPECT_EQ(three.exit_code, 3);
    EXPECT_EQ(three.out, "out\n");
    EXPECT_EQ(three.err, "err\n");
    EXPECT_EQ(describe(three), "exited with status 3");
}

TEST_P(CoreChildSet, KilledBySignal) {
    ChildResult r = run(shell("echo about to die; kill -KILL $$"), options());
    EXPECT_EQ(r.ending, Ending::signaled);
    EXPECT_EQ(r.signal, SIGKILL);
    EXPECT_EQ(r.out, "about to die\n");
    EXPECT_EQ(describe(r), "killed by signal 9 (Killed)");
}

TEST_P(CoreChildSet, TimeoutSendsTermFirst) {
    ChildSpec spec = shell("trap 'echo got-term; exit 7' TERM; sleep 30 & wait");
    spec.timeout = 0.2;
    spec.kill_grace = 5;
    double t0 = steady_now();
    ChildResult r = run(spec, options());
    EXPECT_LT(steady_now() - t0, 1.5);
    EXPECT_TRUE(r.timed_out);
    EXPECT_EQ(r.ending, Ending::exited);
    EXPECT_EQ(r.exit_code, 7);
    EXPECT_EQ(r.out, "got-term\n");
    EXPECT_EQ(describe(r), "timed out; exited with status 7");
}

TEST_P(CoreChildSet, TimeoutKillsAfterTheGraceWhenTermIsIgnored) {
    ChildSpec spec = shell("trap '' TERM; sleep 30");
    spec.timeout = 0.2;
    spec.kill_grace = 0.3;
    double t0 = steady_now();
    ChildResult r = run(spec, options());
    double took = steady_now() - t0;
    EXPECT_TRUE(r.timed_out);
    EXPECT_EQ(r.ending, Ending::signaled);
    EXPECT_EQ(r.signal, SIGKILL);
    EXPECT_GE(took, 0.5);
    EXPECT_LT(took, 1.8);
    EXPECT_GE(r.duration, 0.5);
}

TEST_P(CoreChildSet, KillAtOnceWhenThereIsNoGrace) {
    ChildSpec spec = shell("trap '' TERM; sleep 30");
    spec.timeout = 0.2;
    spec.kill_grace = 0;
    ChildResult r = run(spec, options());
    EXPECT_TRUE(r.timed_out);
    EXPECT_EQ(r.signal, SIGKILL);
    EXPECT_LT(r.duration, 0.2 + 0.5);
}

TEST_P(CoreChildSet, GroupKillReachesGrandchildren) {
    // The grandchild ignores TERM; it goes with KILL once the child is gone.
    ChildSpec spec = shell("sleep 30 & echo $!; (trap '' TERM; exec sleep 30) & echo $!; wait");
    spec.timeout = 0.3;
    spec.kill_grace = 5;
    double t0 = steady_now();
    ChildResult r = run(spec, options());
    EXPECT_LT(steady_now() - t0, 1.5);
    EXPECT_TRUE(r.timed_out);
    EXPECT_EQ(r.ending, Ending::signaled);
    EXPECT_EQ(r.signal, SIGTERM);
    pid_t plain = first_line_pid(r.out);
    pid_t stubborn = first_line_pid(r.out.substr(r.out.find('\n') + 1));
    ASSERT_GT(plain, 1);
    ASSERT_GT(stubborn, 1);
    EXPECT_TRUE(ends_within(plain, 1));
    EXPECT_TRUE(ends_within(stubborn, 1));
}

TEST_P(CoreChildSet, EscapeeHoldingTheOutputDoesNotDelayTheResult) {
    ChildSpec spec = shell("sleep 30 & echo $!");
    spec.eof_grace = 0.1;
    double t0 = steady_now();
    ChildResult r = run(spec, options());
    EXPECT_LT(steady_now() - t0, 1.0);
    EXPECT_EQ(r.ending, Ending::exited);
    EXPECT_EQ(r.exit_code, 0);
    EXPECT_TRUE(r.output_cut);
    pid_t escapee = first_line_pid(r.out);
    ASSERT_GT(escapee, 1);
    // Leftovers::kill_if_output_open, the default: it holds the output, so it goes.
    EXPECT_TRUE(ends_within(escapee, 1));
}

TEST_P(CoreChildSet, NoZombiesAfterAMix) {
    {
        ChildSet set(options());
        std::vector<ChildId> ids;
        ChildSpec timed = shell("trap '' TERM; sleep 30");
        timed.timeout = 0.2;
        timed.kill_grace = 0.1;
        ids.push_back(set.start(timed));
        ids.push_back(set.start(shell("sleep 30 & echo escaped")));
        ids.push_back(set.start(shell("kill -TERM $$")));
        ids.push_back(set.start(command({"/nonexistent/x"})));
        ids.push_back(set.start(command({"true"})));
        std::size_t got = 0;
        double until = steady_now() + 5;
        while (got < ids.size() && steady_now() < until) {
            set.wait(50);
            got += set.take_finished().size();
        }
        EXPECT_EQ(got, ids.size());
        EXPECT_TRUE(set.empty());
    }
    EXPECT_EQ(::waitpid(-1, nullptr, WNOHANG), -1);
    EXPECT_EQ(errno, ECHILD);
}

TEST_P(CoreChildSet, DescriptorCountStableAcross200Spawns) {
    int before = open_fds();
    {
        ChildSet set(options());
        int started = 0;
        int finished = 0;
        double until = steady_now() + 20;
        while (finished < 200 && steady_now() < until) {
            while (started < 200 && set.active() < 16) {
                ChildSpec spec;
                switch (started % 5) {
                    case 0:
                        spec = command({"true"});
                        break;
                    case 1:
                        spec = command({"cat"});
                        spec.spawn.stdin_mode = StdinMode::bytes;
                        spec.spawn.stdin_bytes = "some input\n";
                        spec.spawn.peek_stdin = true;
                        break;
                    case 2:
                        spec = shell("echo a; echo b >&2");
                        spec.spawn.stderr_mode = OutputMode::merge;
                        break;
                    case 3:
                        spec = command({"cat"});
                        spec.spawn.stdin_mode = StdinMode::stream;
                        break;
                    case 4:
                        spec = command({"/nonexistent/x"});
                        break;
                }
                ChildId id = set.start(std::move(spec));
                if (int fd = set.stdin_fd(id); fd >= 0) {
                    EXPECT_EQ(::write(fd, "x\n", 2), 2);
                    set.close_stdin(id);
                }
                ++started;
            }
            set.wait(50);
            for (const ChildResult& r : set.take_finished()) {
                EXPECT_TRUE(r.ending == Ending::exited || r.ending == Ending::failed_to_start) << describe(r);
                ++finished;
            }
        }
        EXPECT_EQ(finished, 200);
        EXPECT_EQ(open_fds(), before);  // an empty set holds nothing
    }
    EXPECT_EQ(open_fds(), before);
    EXPECT_EQ(::waitpid(-1, nullptr, WNOHANG), -1);
}

TEST_P(CoreChildSet, ReportAtTimeoutHandsTheResultOutAtTheDeadline) {
    ChildSet set(options());
    ChildSpec spec = shell("trap '' TERM; echo started; sleep 30");
    spec.timeout = 0.3;
    spec.kill_grace = 0.3;
    spec.report_at_timeout = true;
    double t0 = steady_now();
    ChildId id = set.start(spec);
    pid_t pid = set.pid(id);
    auto r = wait_for(set, id, 3);
    ASSERT_TRUE(r.has_value());
    EXPECT_LT(steady_now() - t0, 0.6 + 0.4);
    EXPECT_EQ(r->ending, Ending::abandoned);
    EXPECT_TRUE(r->timed_out);
    EXPECT_EQ(r->out, "started\n");
    EXPECT_EQ(describe(*r), "timed out");
    EXPECT_EQ(set.active(), 0u);
    EXPECT_EQ(set.lingering(), 1u);
    std::vector<ChildResult> later;
    while (set.lingering() > 0 && steady_now() - t0 < 3) {
        set.wait(20);
        for (ChildResult& x : set.take_finished()) {
            later.push_back(std::move(x));
        }
    }
    EXPECT_EQ(set.lingering(), 0u);
    EXPECT_TRUE(later.empty());  // one result per child
    EXPECT_GE(steady_now() - t0, 0.55);
    EXPECT_EQ(::waitpid(pid, nullptr, WNOHANG), -1);  // reaped
}

TEST_P(CoreChildSet, UsesPidfdsOnlyWhenAsked) {
    ChildSet set(options());
    ChildSpec spec = command({"sleep", "5"});
    ChildId id = set.start(spec);
    std::vector<pollfd> fds;
    set.add_poll_fds(fds);
    int pidfds = 0;
    for (const pollfd& p : fds) {
        char link[64] = {};
        ssize_t n = ::readlink(("/proc/self/fd/" + std::to_string(p.fd)).c_str(), link, sizeof link - 1);
        pidfds += n > 0 && std::string(link) == "anon_inode:[pidfd]";
        EXPECT_EQ(p.events, POLLIN);
    }
    EXPECT_EQ(pidfds, GetParam() ? 1 : 0);
    EXPECT_EQ(fds.size(), GetParam() ? 3u : 2u);  // pidfd, stdout, stderr
    // Without a pidfd the loop is woken to ask waitid.
    if (!GetParam()) {
        EXPECT_LE(set.next_deadline(), steady_now() + 0.011);
    } else {
        EXPECT_EQ(set.next_deadline(), std::numeric_limits<double>::infinity());
    }
    EXPECT_TRUE(set.stop(id, 0));
    ASSERT_TRUE(wait_for(set, id).has_value());
}

TEST(CoreChildSetPolicy, LeftoversLeaveKeepsTheEscapee) {
    ChildSpec spec = shell("sleep 30 & echo $!");
    spec.leftovers = Leftovers::leave;
    spec.eof_grace = 0.05;
    ChildResult r = run(spec);
    EXPECT_TRUE(r.output_cut);
    pid_t escapee = first_line_pid(r.out);
    ASSERT_GT(escapee, 1);
    ::usleep(100000);
    EXPECT_FALSE(ended(escapee));
    ::kill(escapee, SIGKILL);  // ours to clean up
    EXPECT_TRUE(ends_within(escapee, 1));
}

TEST(CoreChildSetPolicy, LeftoversKillEndsBackgroundProcessesThatLetGoOfTheOutput) {
    ChildSpec spec = shell("sleep 30 >/dev/null 2>&1 & echo $!");
    spec.leftovers = Leftovers::kill;
    ChildResult r = run(spec);
    EXPECT_FALSE(r.output_cut);
    pid_t background = first_line_pid(r.out);
    ASSERT_GT(background, 1);
    EXPECT_TRUE(ends_within(background, 1));

    // The default leaves one that holds nothing of ours alone.
    ChildSpec quiet = shell("sleep 30 >/dev/null 2>&1 & echo $!");
    ChildResult q = run(quiet);
    EXPECT_FALSE(q.output_cut);
    pid_t left = first_line_pid(q.out);
    ASSERT_GT(left, 1);
    ::usleep(100000);
    EXPECT_FALSE(ended(left));
    ::kill(left, SIGKILL);
    EXPECT_TRUE(ends_within(left, 1));
}

TEST(CoreChildSetPolicy, OutputCapKeepsTheHeadAndFlagsIt) {
    ChildSpec spec = command({"head", "-c", "300000", "/dev/zero"});
    spec.stdout_cap = 1000;
    ChildResult r = run(spec);
    EXPECT_EQ(r.ending, Ending::exited);
    EXPECT_EQ(r.exit_code, 0);  // it was never blocked on a full pipe
    EXPECT_EQ(r.out.size(), 1000u);
    EXPECT_TRUE(r.out_truncated);
    EXPECT_FALSE(r.err_truncated);
}

TEST(CoreChildSetPolicy, OutputCapKeepsTheTail) {
    ChildSpec spec = command({"seq", "1", "100000"});
    spec.stdout_cap = 10;
    spec.keep = Keep::tail;
    ChildResult r = run(spec);
    EXPECT_EQ(r.out, "99\n100000\n");
    EXPECT_TRUE(r.out_truncated);
}

TEST(CoreChildSetPolicy, OutputAtTheCapIsNotTruncated) {
    ChildSpec spec = command({"printf", "1234567890"});
    spec.stdout_cap = 10;
    ChildResult head = run(spec);
    EXPECT_EQ(head.out, "1234567890");
    EXPECT_FALSE(head.out_truncated);
    spec.keep = Keep::tail;
    ChildResult tail = run(spec);
    EXPECT_EQ(tail.out, "1234567890");
    EXPECT_FALSE(tail.out_truncated);
    ChildSpec err = shell("printf 12345 >&2");
    err.stderr_cap = 3;
    ChildResult e = run(err);
    EXPECT_EQ(e.err, "123");
    EXPECT_TRUE(e.err_truncated);
    EXPECT_FALSE(e.out_truncated);
}

TEST(CoreChildSetPolicy, MergedOutputKeepsItsOrder) {
    ChildSpec spec = shell("echo a; echo b >&2; echo c");
    spec.spawn.stderr_mode = OutputMode::merge;
    ChildResult r = run(spec);
    EXPECT_EQ(r.out, "a\nb\nc\n");
    EXPECT_EQ(r.err, "");
}

TEST(CoreChildSetPolicy, OutputPassedThroughToAnFd) {
    int fds[2];
    ASSERT_EQ(::pipe2(fds, O_CLOEXEC | O_NONBLOCK), 0);
    ChildSpec spec = shell("echo passed; echo kept >&2");
    spec.spawn.stdout_mode = OutputMode::to_fd;
    spec.spawn.stdout_fd = fds[1];
    ChildResult r = run(spec);
    ::close(fds[1]);
    char buf[64] = {};
    ASSERT_EQ(::read(fds[0], buf, sizeof buf), 7);
    ::close(fds[0]);
    EXPECT_EQ(std::string(buf), "passed\n");
    EXPECT_EQ(r.out, "");
    EXPECT_EQ(r.err, "kept\n");
}

TEST(CoreChildSetPolicy, StdinBytesLargerThanThePipe) {
    ChildSpec spec = shell("wc -c");
    spec.spawn.stdin_mode = StdinMode::bytes;
    spec.spawn.stdin_bytes = std::string(300000, 'x');
    ChildResult r = run(spec);
    EXPECT_EQ(r.out, "300000\n");
}

TEST(CoreChildSetPolicy, StdinBytesNotReadIsNoProblem) {
    ChildSpec spec = command({"true"});
    spec.spawn.stdin_mode = StdinMode::bytes;
    spec.spawn.stdin_bytes = std::string(1 << 20, 'x');  // EPIPE, not SIGPIPE
    ChildResult r = run(spec);
    EXPECT_EQ(r.ending, Ending::exited);
    EXPECT_EQ(r.exit_code, 0);
}

TEST(CoreChildSetPolicy, StdinNullReadsEndOfFile) {
    ChildResult r = run(shell("cat; echo done"));
    EXPECT_EQ(r.out, "done\n");
    ChildSpec empty_bytes = shell("cat; echo done");
    empty_bytes.spawn.stdin_mode = StdinMode::bytes;
    ChildResult e = run(empty_bytes);
    EXPECT_EQ(e.out, "done\n");
}

TEST(CoreChildSetPolicy, StdinStreamIsTheCallers) {
    ChildSet set;
    ChildSpec spec = command({"cat"});
    spec.spawn.stdin_mode = StdinMode::stream;
    ChildId id = set.start(spec);
    int fd = set.stdin_fd(id);
    ASSERT_GE(fd, 0);
    std::vector<pollfd> fds;
    set.add_poll_fds(fds);
    for (const pollfd& p : fds) {
        EXPECT_NE(p.fd, fd);  // the caller polls it, when it has something to write
    }
    ASSERT_EQ(::write(fd, "one\n", 4), 4);
    set.wait(20);
    ASSERT_EQ(::write(fd, "two\n", 4), 4);
    set.close_stdin(id);
    EXPECT_EQ(set.stdin_fd(id), -1);
    auto r = wait_for(set, id);
    ASSERT_TRUE(r.has_value());
    EXPECT_EQ(r->out, "one\ntwo\n");
}

TEST(CoreChildSetPolicy, StreamStdinStaysOpenUntilTheResultIsTaken) {
    ChildSet set;
    ChildSpec spec = command({"true"});
    spec.spawn.stdin_mode = StdinMode::stream;
    ChildId id = set.start(spec);
    int fd = set.stdin_fd(id);
    ASSERT_GE(fd, 0);
    double until = steady_now() + 5;
    while (set.active() > 0 && steady_now() < until) {
        set.wait(20);
    }
    // The result waits: the number is still ours, so a stale write cannot
    // reach a descriptor opened since.
    EXPECT_EQ(set.stdin_fd(id), -1);
    EXPECT_NE(::fcntl(fd, F_GETFD), -1);
    EXPECT_EQ(set.take_finished().size(), 1u);
    EXPECT_EQ(::fcntl(fd, F_GETFD), -1);
}

TEST(CoreChildSetPolicy, PeekCountsWhatTheChildLeftUnread) {
    ChildSet set;
    ChildSpec spec = shell("read line; echo \"$line\"");  // the shell reads one byte at a time
    spec.spawn.stdin_mode = StdinMode::stream;
    spec.spawn.peek_stdin = true;
    ChildId id = set.start(spec);
    ASSERT_EQ(::write(set.stdin_fd(id), "a\nbb\nccc\n", 9), 9);
    auto r = wait_for(set, id);
    ASSERT_TRUE(r.has_value());
    EXPECT_EQ(r->out, "a\n");
    EXPECT_EQ(r->stdin_unread, 7u);
}

TEST(CoreChildSetPolicy, PeekWhileRunning) {
    ChildSet set;
    ChildSpec spec = command({"sleep", "5"});
    spec.spawn.stdin_mode = StdinMode::stream;
    spec.spawn.peek_stdin = true;
    ChildId id = set.start(spec);
    ASSERT_EQ(::write(set.stdin_fd(id), "12345", 5), 5);
    EXPECT_EQ(set.stdin_unread(id), 5u);
    set.stop(id, 0);
    auto r = wait_for(set, id);
    ASSERT_TRUE(r.has_value());
    EXPECT_EQ(r->stdin_unread, 5u);
    EXPECT_TRUE(r->stopped);
}

TEST(CoreChildSetPolicy, EnvironmentExtras) {
    ChildSpec spec = shell("echo \"$EV_SUBJECT|$EV_STATE\"");
    spec.spawn.env = {"EV_SUBJECT=web1; rm -rf /", "EV_STATE=critical"};
    EXPECT_EQ(run(spec).out, "web1; rm -rf /|critical\n");
}

TEST(CoreChildSetPolicy, SpawnFailureIsAResultAtOnce) {
    ChildSet set;
    ChildId id = set.start(command({"/nonexistent/x"}));
    EXPECT_LE(set.next_deadline(), steady_now());  // the loop must not sleep
    EXPECT_EQ(set.poll_timeout_ms(1000), 0);
    auto results = set.take_finished();
    ASSERT_EQ(results.size(), 1u);
    const ChildResult& r = results[0];
    EXPECT_EQ(r.id, id);
    EXPECT_EQ(r.ending, Ending::failed_to_start);
    EXPECT_EQ(r.spawn_errno, ENOENT);
    EXPECT_EQ(r.exit_code, 127);
    EXPECT_EQ(r.pid, -1);
    EXPECT_EQ(r.error, "cannot run /nonexistent/x: No such file or directory");
    EXPECT_EQ(describe(r), r.error);
    EXPECT_TRUE(set.empty());
}

TEST(CoreChildSetPolicy, TagIsReturned) {
    ChildSpec spec = command({"true"});
    spec.tag = 42;
    EXPECT_EQ(run(spec).tag, 42u);
}

TEST(CoreChildSetPolicy, StopEscalatesAndMarksTheResult) {
    ChildSet set;
    Ready ready;
    ChildSpec spec = shell("trap '' TERM; echo ready >&2; sleep 30");
    ChildId id = set.start(ready.wire(spec));
    ASSERT_TRUE(ready.wait(1));
    double t0 = steady_now();
    EXPECT_TRUE(set.stop(id, 10));  // TERM, ignored
    set.wait(100);
    EXPECT_EQ(set.active(), 1u);
    EXPECT_TRUE(set.stop(id, 0));  // a shorter grace wins: KILL now
    auto r = wait_for(set, id, 3);
    ASSERT_TRUE(r.has_value());
    EXPECT_LT(steady_now() - t0, 1.5);
    EXPECT_TRUE(r->stopped);
    EXPECT_FALSE(r->timed_out);
    EXPECT_EQ(r->signal, SIGKILL);
    EXPECT_FALSE(set.stop(id, 0));  // gone
}

TEST(CoreChildSetPolicy, ShutdownIsGentleFirst) {
    ChildSet set;
    Ready ready;
    ChildSpec gentle_spec = shell("trap 'exit 5' TERM; echo ready >&2; sleep 30 & wait");
    ChildId gentle = set.start(ready.wire(gentle_spec));
    ChildSpec stubborn_spec = shell("trap '' TERM; echo ready >&2; sleep 30");
    ChildId stubborn = set.start(ready.wire(stubborn_spec));
    ASSERT_TRUE(ready.wait(2));
    double t0 = steady_now();
    set.shutdown(0.3);
    double took = steady_now() - t0;
    EXPECT_GE(took, 0.25);
    EXPECT_LT(took, 1.5);
    EXPECT_TRUE(set.empty() || set.active() == 0);
    std::map<ChildId, ChildResult> by_id;
    for (ChildResult& r : set.take_finished()) {
        by_id[r.id] = std::move(r);
    }
    ASSERT_EQ(by_id.size(), 2u);
    EXPECT_EQ(by_id[gentle].ending, Ending::exited);
    EXPECT_EQ(by_id[gentle].exit_code, 5);
    EXPECT_TRUE(by_id[gentle].stopped);
    EXPECT_EQ(by_id[stubborn].signal, SIGKILL);
    EXPECT_EQ(::waitpid(-1, nullptr, WNOHANG), -1);
}

TEST(CoreChildSetPolicy, DestructorKillsTheGroupsAndReaps) {
    char dir[] = "/tmp/evkit-childset-XXXXXX";
    ASSERT_NE(::mkdtemp(dir), nullptr);
    std::string pidfile = std::string(dir) + "/pid";
    pid_t child = -1;
    {
        ChildSet set;
        ChildId id =
            set.start(shell("sleep 30 & echo $! > " + pidfile + ".tmp; mv " + pidfile + ".tmp " + pidfile + "; wait"));
        child = set.pid(id);
        double until = steady_now() + 3;
        while (::access(pidfile.c_str(), F_OK) != 0 && steady_now() < until) {
            set.wait(10);
        }
    }
    std::ifstream in(pidfile);
    pid_t grandchild = 0;
    in >> grandchild;
    ASSERT_GT(grandchild, 1);
    EXPECT_TRUE(ends_within(grandchild, 1));
    EXPECT_EQ(::waitpid(child, nullptr, WNOHANG), -1);
    EXPECT_EQ(errno, ECHILD);
    std::system(("rm -rf " + std::string(dir)).c_str());
}

TEST(CoreChildSetPolicy, AHungChildNeverDelaysAnother) {
    ChildSet set;
    for (int i = 0; i < 5; ++i) {
        ChildSpec hung = command({"sleep", "30"});
        hung.timeout = 10;
        set.start(hung);
    }
    double t0 = steady_now();
    ChildId quick = set.start(shell("echo quick"));
    auto r = wait_for(set, quick, 2);
    ASSERT_TRUE(r.has_value());
    EXPECT_LT(steady_now() - t0, 0.5);
    EXPECT_EQ(r->out, "quick\n");
    EXPECT_EQ(set.active(), 5u);
    set.stop_all(0);
    double until = steady_now() + 3;
    std::size_t stopped = 0;
    while (stopped < 5 && steady_now() < until) {
        set.wait(50);
        for (const ChildResult& x : set.take_finished()) {
            EXPECT_TRUE(x.stopped);
            ++stopped;
        }
    }
    EXPECT_EQ(stopped, 5u);
}

TEST(CoreChildSetPolicy, AFloodIsCappedAndCannotHoldTheLoop) {
    ChildSpec spec = command({"yes"});
    spec.stdout_cap = 4096;
    spec.timeout = 0.3;
    spec.kill_grace = 0.2;
    double t0 = steady_now();
    ChildResult r = run(spec);
    EXPECT_LT(steady_now() - t0, 1.5);
    EXPECT_TRUE(r.timed_out);
    EXPECT_EQ(r.signal, SIGTERM);
    EXPECT_EQ(r.out.size(), 4096u);
    EXPECT_TRUE(r.out_truncated);
}

TEST(CoreChildSetPolicy, ReapedBehindOurBackIsUnknownNotAnExitCode) {
    ChildSet set;
    ChildId id = set.start(command({"true"}));
    int status = 0;
    ASSERT_EQ(::waitpid(set.pid(id), &status, 0), set.pid(id));  // a stray waitpid
    auto r = wait_for(set, id);
    ASSERT_TRUE(r.has_value());
    EXPECT_EQ(r->ending, Ending::unknown);
    EXPECT_EQ(r->exit_code, -1);
}

TEST(CoreChildSetPolicy, OneEventLoopPollsChildrenWithItsOwnInput) {
    int input[2];
    ASSERT_EQ(::pipe2(input, O_CLOEXEC | O_NONBLOCK), 0);
    ChildSet set;
    ChildSpec spec = shell("echo child");
    ChildId id = set.start(spec);
    ASSERT_EQ(::write(input[1], "event\n", 6), 6);
    bool input_seen = false;
    std::optional<ChildResult> result;
    std::vector<pollfd> fds;
    double until = steady_now() + 5;
    while ((!input_seen || !result) && steady_now() < until) {
        fds.clear();
        fds.push_back(pollfd{input[0], POLLIN, 0});
        set.add_poll_fds(fds);
        ASSERT_GE(::poll(fds.data(), fds.size(), set.poll_timeout_ms(1000)), 0);
        if (fds[0].revents & POLLIN) {
            char buf[16];
            input_seen = ::read(input[0], buf, sizeof buf) == 6;
        }
        set.service(fds);  // ignores the entry that is not its own
        for (ChildResult& r : set.take_finished()) {
            result = std::move(r);
        }
    }
    EXPECT_TRUE(input_seen);
    ASSERT_TRUE(result.has_value());
    EXPECT_EQ(result->id, id);
    EXPECT_EQ(result->out, "child\n");
    ::close(input[0]);
    ::close(input[1]);
}

TEST(CoreChildSetPolicy, NextDeadlineFollowsTheTimeout) {
    ChildSet set;
    ChildSpec spec = command({"sleep", "5"});
    spec.timeout = 2;
    double before = steady_now();
    ChildId id = set.start(spec);
    double next = set.next_deadline();
    EXPECT_GE(next, before + 2);
    EXPECT_LE(next, steady_now() + 2);
    int ms = set.poll_timeout_ms();
    EXPECT_GT(ms, 1500);
    EXPECT_LE(ms, 2000);
    EXPECT_EQ(set.poll_timeout_ms(100), 100);
    set.stop(id, 0);
    ASSERT_TRUE(wait_for(set, id).has_value());
    EXPECT_EQ(set.next_deadline(), std::numeric_limits<double>::infinity());
    EXPECT_EQ(set.poll_timeout_ms(), -1);
}

}  // namespace
}  // namespace ev
