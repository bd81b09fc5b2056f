// Tests for lib/core/spawn.cpp: argv without a shell, the environment, PATH
// lookup, failures, signal reset, process group, descriptor wiring.
#include "core/spawn.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <poll.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>

#include "core/child_set.h"
#include "core/clock.h"

namespace ev {
namespace {

// Reads fd (non-blocking) until end of file or seconds pass.
std::string read_all(int fd, double seconds = 5) {
    std::string out;
    double until = steady_now() + seconds;
    char buf[4096];
    while (steady_now() < until) {
        pollfd p{fd, POLLIN, 0};
        ::poll(&p, 1, 50);
        ssize_t n = ::read(fd, buf, sizeof buf);
        if (n > 0) {
            out.append(buf, static_cast<std::size_t>(n));
        } else if (n == 0) {
            break;
        }
    }
    return out;
}

// Waits for pid and returns its raw status.
int reap(pid_t pid) {
    int status = 0;
    EXPECT_EQ(::waitpid(pid, &status, 0), pid);
    return status;
}

// Spawns spec, reads its stdout to the end and reaps it.
std::string output_of(const SpawnSpec& spec) {
    auto child = spawn(spec);
    EXPECT_TRUE(child.ok()) << (child.ok() ? "" : child.error());
    if (!child) {
        return {};
    }
    std::string out = read_all(child->stdout_fd);
    close_fd(child->stdout_fd);
    close_fd(child->stderr_fd);
    close_fd(child->stdin_fd);
    reap(child->pid);
    return out;
}

SpawnSpec command(std::vector<std::string> argv) {
    SpawnSpec spec;
    spec.argv = std::move(argv);
    return spec;
}

std::string proc_status_line(const std::string& key) {
    std::ifstream in("/proc/self/status");
    std::string line;
    while (std::getline(in, line)) {
        if (line.rfind(key + ":", 0) == 0) {
            return line;
        }
    }
    return {};
}

TEST(CoreSpawn, ArgvElementsStayLiteral) {
    SpawnSpec spec = command({"printf", "[%s]\n", "$(id)", "a b", "*", "`x`;|&>", "-rf", "'\"", ""});
    EXPECT_EQ(output_of(spec), "[$(id)]\n[a b]\n[*]\n[`x`;|&>]\n[-rf]\n['\"]\n[]\n");
}

TEST(CoreSpawn, OwnProcessGroup) {
    auto child = spawn(command({"sleep", "5"}));
    ASSERT_TRUE(child.ok());
    EXPECT_EQ(::getpgid(child->pid), child->pid);
    EXPECT_NE(::getpgid(child->pid), ::getpgrp());
    ::kill(child->pid, SIGKILL);
    close_fd(child->stdout_fd);
    close_fd(child->stderr_fd);
    reap(child->pid);
}

TEST(CoreSpawn, SignalMaskEmptyAndDispositionsDefaultInTheChild) {
    ChildSet set;  // also sets SIGPIPE to ignored, which the child must not see
    sigset_t block;
    sigemptyset(&block);
    sigaddset(&block, SIGTERM);
    sigaddset(&block, SIGCHLD);
    sigaddset(&block, SIGHUP);
    sigset_t old_mask;
    ASSERT_EQ(::pthread_sigmask(SIG_BLOCK, &block, &old_mask), 0);
    struct sigaction ignore {};
    ignore.sa_handler = SIG_IGN;
    struct sigaction old_int {};
    struct sigaction old_quit {};
    ::sigaction(SIGINT, &ignore, &old_int);
    ::sigaction(SIGQUIT, &ignore, &old_quit);
    // The test means something only while we ourselves block and ignore.
    std::string our_blocked = proc_status_line("SigBlk");
    std::string our_ignored = proc_status_line("SigIgn");

    std::string out = output_of(command({"grep", "-E", "^(SigBlk|SigIgn)", "/proc/self/status"}));

    ::sigaction(SIGINT, &old_int, nullptr);
    ::sigaction(SIGQUIT, &old_quit, nullptr);
    ::pthread_sigmask(SIG_SETMASK, &old_mask, nullptr);
    EXPECT_NE(our_blocked, "SigBlk:\t0000000000000000");
    EXPECT_NE(our_ignored, "SigIgn:\t0000000000000000");
    EXPECT_EQ(out, "SigBlk:\t0000000000000000\nSigIgn:\t0000000000000000\n");
}

TEST(CoreSpawn, EnvironmentExtrasReplaceInheritedEntries) {
    ::setenv("EVKIT_SPAWN_KEEP", "kept", 1);
    ::setenv("EVKIT_SPAWN_OVER", "ours", 1);
    SpawnSpec spec =
        command({"sh", "-c",
                 "echo \"$EVKIT_SPAWN_KEEP $EVKIT_SPAWN_OVER $EVKIT_SPAWN_NEW\"; env | grep -c '^EVKIT_SPAWN_NEW='"});
    spec.env = {"EVKIT_SPAWN_OVER=theirs", "EVKIT_SPAWN_NEW=1", "EVKIT_SPAWN_NEW=2 $(id)"};
    EXPECT_EQ(output_of(spec), "kept theirs 2 $(id)\n1\n");
    ::unsetenv("EVKIT_SPAWN_KEEP");
    ::unsetenv("EVKIT_SPAWN_OVER");
}

TEST(CoreSpawn, EmptyEnvironmentHasOnlyTheExtras) {
    ::setenv("EVKIT_SPAWN_KEEP", "kept", 1);
    SpawnSpec spec = command({"/usr/bin/env"});
    spec.inherit_env = false;
    spec.env = {"A=1", "B=two words"};
    EXPECT_EQ(output_of(spec), "A=1\nB=two words\n");
    ::unsetenv("EVKIT_SPAWN_KEEP");
}

TEST(CoreSpawn, NameIsLookedUpOnTheChildsPath) {
    SpawnSpec spec = command({"echo", "found"});
    spec.inherit_env = false;
    spec.env = {"PATH=/nonexistent:/usr/bin:/bin"};
    EXPECT_EQ(output_of(spec), "found\n");

    spec.env = {"PATH=/nonexistent"};
    int error_number = 0;
    auto child = spawn(spec, &error_number);
    ASSERT_FALSE(child.ok());
    EXPECT_EQ(error_number, ENOENT);
    EXPECT_EQ(child.error(), "cannot run echo: No such file or directory");
}

class TempDir {
public:
    TempDir() {
        char name[] = "/tmp/evkit-spawn-XXXXXX";
        m_path = ::mkdtemp(name);
    }
    ~TempDir() { std::system(("rm -rf '" + m_path + "'").c_str()); }
    const std::string& path() const { return m_path; }
    std::string write(const std::string& name, const std::string& text, mode_t mode) const {
        std::string file = m_path + "/" + name;
        std::ofstream(file) << text;
        ::chmod(file.c_str(), mode);
        return file;
    }

private:
    std::string m_path;
};

TEST(CoreSpawn, MissingOrNotExecutableProgram) {
    int error_number = 0;
    auto missing = spawn(command({"/nonexistent/program", "x"}), &error_number);
    ASSERT_FALSE(missing.ok());
    EXPECT_EQ(error_number, ENOENT);
    EXPECT_EQ(missing.error(), "cannot run /nonexistent/program: No such file or directory");
    EXPECT_EQ(spawn_failure_exit_code(error_number), 127);

    auto unknown = spawn(command({"evkit-no-such-program-anywhere"}), &error_number);
    ASSERT_FALSE(unknown.ok());
    EXPECT_EQ(error_number, ENOENT);

    TempDir dir;
    std::string script = dir.write("not-executable.sh", "#!/bin/sh\necho no\n", 0644);
    auto noexec = spawn(command({script}), &error_number);
    ASSERT_FALSE(noexec.ok());
    EXPECT_EQ(error_number, EACCES);
    EXPECT_EQ(spawn_failure_exit_code(error_number), 126);

    // Found on PATH but not executable: 126 as a shell says, not 127.
    SpawnSpec on_path = command({"not-executable.sh"});
    on_path.env = {"PATH=" + dir.path()};
    auto noexec_on_path = spawn(on_path, &error_number);
    ASSERT_FALSE(noexec_on_path.ok());
    EXPECT_EQ(error_number, EACCES);

    // No "#!" and not a binary: never handed to a shell.
    std::string text = dir.write("no-shebang", "echo ran\n", 0755);
    auto no_shebang = spawn(command({text}), &error_number);
    ASSERT_FALSE(no_shebang.ok());
    EXPECT_EQ(error_number, ENOEXEC);
}

TEST(CoreSpawn, SearchDirsOfAPathValue) {
    EXPECT_EQ(search_dirs("/a:/b"), (std::vector<std::string>{"/a", "/b"}));
    EXPECT_EQ(search_dirs("/a::/b:"), (std::vector<std::string>{"/a", ".", "/b", "."}));
    EXPECT_EQ(search_dirs(nullptr), (std::vector<std::string>{"/bin", "/usr/bin"}));
}

TEST(CoreSpawn, FindExecutableAsSpawnFindsIt) {
    TempDir dir;
    std::string tool = dir.write("evkit-tool", "#!/bin/sh\n", 0755);
    dir.write("evkit-plain", "text\n", 0644);
    int error_number = 0;
    EXPECT_EQ(*find_executable("evkit-tool", {"/nonexistent", dir.path()}), tool);
    EXPECT_EQ(*find_executable(tool, {}), tool);

    auto missing = find_executable("evkit-tool", {"/nonexistent"}, &error_number);
    ASSERT_FALSE(missing.ok());
    EXPECT_EQ(error_number, ENOENT);
    EXPECT_EQ(missing.error(), "No such file or directory");

    auto plain = find_executable("evkit-plain", {dir.path()}, &error_number);
    ASSERT_FALSE(plain.ok());
    EXPECT_EQ(error_number, EACCES);
    auto plain_path = find_executable(dir.path() + "/evkit-plain", {}, &error_number);
    ASSERT_FALSE(plain_path.ok());
    EXPECT_EQ(error_number, EACCES);
    // A directory is not a program, whatever its mode.
    auto directory = find_executable(dir.path(), {}, &error_number);
    ASSERT_FALSE(directory.ok());
    EXPECT_EQ(error_number, EACCES);
    auto gone = find_executable(dir.path() + "/nothing", {}, &error_number);
    ASSERT_FALSE(gone.ok());
    EXPECT_EQ(error_number, ENOENT);
}

TEST(CoreSpawn, SearchDirsOverrideTheChildsPath) {
    TempDir dir;
    dir.write("evkit-only-here", "#!/bin/sh\necho here\n", 0755);
    SpawnSpec spec = command({"evkit-only-here"});
    spec.inherit_env = false;
    spec.env = {"PATH=/usr/bin:/bin"};
    spec.search_dirs = {dir.path()};
    EXPECT_EQ(output_of(spec), "here\n");
}

TEST(CoreSpawn, NeverRunsAProgramFromTheCurrentDirectoryByName) {
    TempDir dir;
    dir.write("evkit-cwd-program", "#!/bin/sh\necho ran\n", 0755);
    char old_cwd[4096];
    ASSERT_NE(::getcwd(old_cwd, sizeof old_cwd), nullptr);
    ASSERT_EQ(::chdir(dir.path().c_str()), 0);
    SpawnSpec spec = command({"evkit-cwd-program"});
    spec.env = {"PATH=/usr/bin:/bin"};
    int error_number = 0;
    auto child = spawn(spec, &error_number);
    ASSERT_EQ(::chdir(old_cwd), 0);
    ASSERT_FALSE(child.ok());
    EXPECT_EQ(error_number, ENOENT);
}

TEST(CoreSpawn, RejectsWhatCannotBePassedIntact) {
    int error_number = 0;
    auto empty = spawn(SpawnSpec{}, &error_number);
    ASSERT_FALSE(empty.ok());
    EXPECT_EQ(error_number, EINVAL);
    EXPECT_EQ(empty.error(), "cannot run an empty command");

    auto nul = spawn(command({"echo", std::string("a\0-rf", 5)}), &error_number);
    ASSERT_FALSE(nul.ok());
    EXPECT_EQ(error_number, EINVAL);
    EXPECT_EQ(nul.error(), "cannot run echo: argument 1 contains a NUL byte");

    for (const char* bad : {"NOEQUALS", "=value"}) {
        SpawnSpec spec = command({"true"});
        spec.env = {bad};
        auto child = spawn(spec, &error_number);
        ASSERT_FALSE(child.ok()) << bad;
        EXPECT_EQ(error_number, EINVAL);
    }

    SpawnSpec merge_out = command({"true"});
    merge_out.stdout_mode = OutputMode::merge;
    EXPECT_FALSE(spawn(merge_out).ok());
    SpawnSpec merge_into_nothing = command({"true"});
    merge_into_nothing.stdout_mode = OutputMode::discard;
    merge_into_nothing.stderr_mode = OutputMode::merge;
    EXPECT_FALSE(spawn(merge_into_nothing).ok());
    SpawnSpec no_fd = command({"true"});
    no_fd.stdout_mode = OutputMode::to_fd;
    EXPECT_FALSE(spawn(no_fd).ok());
}

TEST(CoreSpawn, OurDescriptorsAreCloseOnExecNonBlockingAndDoNotLeak) {
    int leaky = ::dup(2);  // no close-on-exec: closefrom must still keep it from the child
    ASSERT_GE(leaky, 3);
    SpawnSpec spec = command({"ls", "/proc/self/fd"});
    spec.stdin_mode = StdinMode::stream;
    spec.peek_stdin = true;
    auto child = spawn(spec);
    ASSERT_TRUE(child.ok());
    for (int fd : {child->stdin_fd, child->stdin_peek_fd, child->stdout_fd, child->stderr_fd}) {
        ASSERT_GE(fd, 3);
        EXPECT_TRUE(::fcntl(fd, F_GETFD) & FD_CLOEXEC) << fd;
    }
    for (int fd : {child->stdin_fd, child->stdout_fd, child->stderr_fd}) {
        EXPECT_TRUE(::fcntl(fd, F_GETFL) & O_NONBLOCK) << fd;
    }
    // 0, 1 and 2, and the directory ls reads.
    EXPECT_EQ(read_all(child->stdout_fd), "0\n1\n2\n3\n");
    for (int* fd : {&child->stdin_fd, &child->stdin_peek_fd, &child->stdout_fd, &child->stderr_fd}) {
        close_fd(*fd);
    }
    reap(child->pid);
    ::close(leaky);
}

TEST(CoreSpawn, StdinNullAndStream) {
    SpawnSpec null_in = command({"cat"});
    EXPECT_EQ(output_of(null_in), "");  // end of file at once: cat does not wait

    SpawnSpec stream = command({"cat"});
    stream.stdin_mode = StdinMode::stream;
    auto child = spawn(stream);
    ASSERT_TRUE(child.ok());
    ASSERT_EQ(::write(child->stdin_fd, "streamed\n", 9), 9);
    close_fd(child->stdin_fd);
    EXPECT_EQ(read_all(child->stdout_fd), "streamed\n");
    close_fd(child->stdout_fd);
    close_fd(child->stderr_fd);
    reap(child->pid);
}

TEST(CoreSpawn, OutputWiring) {
    // merge keeps the order of writes across stdout and stderr
    SpawnSpec merged = command({"sh", "-c", "echo a; echo b >&2; echo c; echo d >&2"});
    merged.stderr_mode = OutputMode::merge;
    auto child = spawn(merged);
    ASSERT_TRUE(child.ok());
    EXPECT_EQ(child->stderr_fd, -1);
    EXPECT_EQ(read_all(child->stdout_fd), "a\nb\nc\nd\n");
    close_fd(child->stdout_fd);
    reap(child->pid);

    // to_fd hands our descriptor over; discard loses the stream
    int pipe_fds[2];
    ASSERT_EQ(::pipe2(pipe_fds, O_CLOEXEC | O_NONBLOCK), 0);
    SpawnSpec passed = command({"sh", "-c", "echo to-out; echo to-err >&2"});
    passed.stdout_mode = OutputMode::discard;
    passed.stderr_mode = OutputMode::to_fd;
    passed.stderr_fd = pipe_fds[1];
    auto p = spawn(passed);
    ASSERT_TRUE(p.ok());
    EXPECT_EQ(p->stdout_fd, -1);
    EXPECT_EQ(p->stderr_fd, -1);
    reap(p->pid);
    ::close(pipe_fds[1]);
    EXPECT_EQ(read_all(pipe_fds[0]), "to-err\n");
    ::close(pipe_fds[0]);
}

TEST(CoreSpawn, StandardDescriptorsSwappedThroughToFd) {
    // stdout to the descriptor stderr goes to and stderr to the one stdout
    // goes to: each dup2 must read the original, not the other's result.
    int a[2];
    int b[2];
    ASSERT_EQ(::pipe2(a, O_CLOEXEC | O_NONBLOCK), 0);
    ASSERT_EQ(::pipe2(b, O_CLOEXEC | O_NONBLOCK), 0);
    int saved1 = ::dup(1);
    int saved2 = ::dup(2);
    ::dup2(a[1], 1);
    ::dup2(b[1], 2);
    SpawnSpec spec = command({"sh", "-c", "echo out; echo err >&2"});
    spec.stdout_mode = OutputMode::to_fd;
    spec.stdout_fd = 2;
    spec.stderr_mode = OutputMode::to_fd;
    spec.stderr_fd = 1;
    auto child = spawn(spec);
    ::dup2(saved1, 1);
    ::dup2(saved2, 2);
    ::close(saved1);
    ::close(saved2);
    ::close(a[1]);
    ::close(b[1]);
    ASSERT_TRUE(child.ok());
    reap(child->pid);
    EXPECT_EQ(read_all(a[0]), "err\n");  // what was our stdout got its stderr
    EXPECT_EQ(read_all(b[0]), "out\n");
    ::close(a[0]);
    ::close(b[0]);
}

TEST(CoreSpawn, WorksWithOurStandardInputClosed) {
    int saved = ::dup(0);
    ASSERT_GE(saved, 0);
    ::close(0);  // the next pipe would land on 0 and be overwritten in the child
    SpawnSpec spec = command({"sh", "-c", "cat; echo done"});
    spec.stdin_mode = StdinMode::stream;
    auto child = spawn(spec);
    ::dup2(saved, 0);
    ::close(saved);
    ASSERT_TRUE(child.ok());
    ASSERT_EQ(::write(child->stdin_fd, "in\n", 3), 3);
    close_fd(child->stdin_fd);
    EXPECT_EQ(read_all(child->stdout_fd), "in\ndone\n");
    close_fd(child->stdout_fd);
    close_fd(child->stderr_fd);
    reap(child->pid);
}

}  // namespace
}  // namespace ev
