#include "route/consumer.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include <fmt/format.h>

#include "core/clock.h"

namespace ev::route {

namespace {
// A run this long proves the command healthy: the backoff starts again.
constexpr double k_healthy_seconds = 10;
// How long a stopped consumer has between SIGTERM and SIGKILL.
constexpr double k_stop_grace = 1;
// While lines sit unread in its pipe, how often to look whether it read them.
constexpr double k_read_check = 0.25;
// While the output's target is full, how often to offer its lines again.
constexpr double k_output_retry = 0.01;
// Output read in one go, so one chatty consumer cannot hold up the loop.
constexpr std::size_t k_output_chunk = std::size_t{1} << 18;
}  // namespace

ConsumerDestination::~ConsumerDestination() {
    // Only a destination dropped by a failed reload still runs one; the
    // process layer reaps it in the background.
    if (m_child != 0) {
        m_ctx.children->stop(m_child, k_stop_grace);
    }
    close_fd(m_out_read);
    close_fd(m_out_write);
}

Result<void> ConsumerDestination::start() {
    m_retain = true;
    if (m_output != nullptr) {
        // One pipe for every instance; only our end is non-blocking (the
        // flag belongs to the open file, which the child's end must not share).
        int fds[2];
        if (::pipe2(fds, O_CLOEXEC) != 0) {
            return make_error(fmt::format("cannot make a pipe for its output: {}", std::strerror(errno)));
        }
        m_out_read = fds[0];
        m_out_write = fds[1];
        ::fcntl(m_out_read, F_SETFL, ::fcntl(m_out_read, F_GETFL) | O_NONBLOCK);
    }
    launch(steady_now());
    return {};
}

void ConsumerDestination::want(std::vector<pollfd>& fds) const {
    PipeWriter::want(fds);
    if (m_out_read >= 0 && !m_out_stalled) {
        fds.push_back(pollfd{m_out_read, POLLIN, 0});
    }
}

bool ConsumerDestination::pass_output() {
    std::size_t start = 0;
    while (start < m_out_lines.size()) {
        std::size_t nl = m_out_lines.find('\n', start);
        std::string_view line(m_out_lines.data() + start, nl - start);
        if (!m_output->offer(line, m_ctx.delivery->begin(nullptr))) {
            break;
        }
        start = nl + 1;
    }
    m_out_lines.erase(0, start);
    m_out_stalled = !m_out_lines.empty();
    return !m_out_stalled;
}

void ConsumerDestination::read_output() {
    if (m_out_read < 0 || !pass_output()) {
        return;
    }
    char buf[65536];
    std::size_t taken = 0;
    while (taken < k_output_chunk) {
        ssize_t n = ::read(m_out_read, buf, sizeof buf);
        if (n < 0 && errno == EINTR) {
            continue;
        }
        if (n <= 0) {
            break;
        }
        taken += static_cast<std::size_t>(n);
        std::string_view data(buf, static_cast<std::size_t>(n));
        while (!data.empty()) {
            std::size_t nl = data.find('\n');
            std::string_view piece = data.substr(0, nl);
            if (!m_out_skipping) {
                m_out_partial.append(piece);
            }
            if (nl == std::string_view::npos) {
                data = {};
            } else {
                data.remove_prefix(nl + 1);
                if (!m_out_skipping) {
                    m_out_lines += m_out_partial;
                    m_out_lines += '\n';
                }
                m_out_partial.clear();
                m_out_skipping = false;
            }
            if (m_out_partial.size() > m_ctx.max_line) {
                m_ctx.diag->error(
                    fmt::format("{}: an output line is longer than {} bytes; dropped", m_label, m_ctx.max_line));
                m_out_partial.clear();
                m_out_skipping = true;
            }
        }
        if (!pass_output()) {
            break;
        }
    }
}

Result<void> ConsumerDestination::started() {
    m_starting = false;
    if (!m_start_error.empty()) {
        return make_error(m_start_error);
    }
    return {};
}

void ConsumerDestination::launch(double now) {
    ChildSpec spec;
    spec.spawn.argv = m_spec.argv;
    spec.spawn.stdin_mode = StdinMode::stream;
    spec.spawn.peek_stdin = true;  // so unread bytes can be counted, even after it died
    // Its output goes where the rule says, never into our stderr.
    spec.spawn.stdout_mode = m_out_write >= 0 ? OutputMode::to_fd : OutputMode::discard;
    spec.spawn.stdout_fd = m_out_write;
    spec.spawn.stderr_mode = OutputMode::to_fd;
    spec.spawn.stderr_fd = 2;
    spec.tag = m_tag;
    spec.leftovers = Leftovers::leave;
    m_child = m_ctx.children->start(std::move(spec));
    m_fd = m_ctx.children->stdin_fd(m_child);  // -1 when it could not start: its result says why
    m_blocked = false;
    m_started_at = now;
}

void ConsumerDestination::release_read() {
    if (m_child == 0 || m_fd < 0) {
        return;
    }
    uint64_t released = m_queue.release(m_ctx.children->stdin_unread(m_child));
    counters.delivered += released;
    complete(released);
}

void ConsumerDestination::on_child(ChildResult& result) {
    if (result.id != m_child) {
        return;
    }
    double now = steady_now();
    m_child = 0;
    m_fd = -1;
    m_blocked = false;
    // Everything it wrote is in the pipe by now; a last line without its
    // newline would be joined to the next instance's first one.
    read_output();
    if (!m_out_partial.empty() || m_out_skipping) {
        m_ctx.diag->error(
            fmt::format("{}: its output ended without a newline; {} bytes dropped", m_label, m_out_partial.size()));
        m_out_partial.clear();
        m_out_skipping = false;
    }
    if (result.ending == Ending::failed_to_start) {
        std::string why = fmt::format("cannot start {}: {}", m_spec.argv[0], std::strerror(result.spawn_errno));
        if (m_starting) {
            m_start_error = std::move(why);
            return;
        }
        if (!m_closing) {
            double delay = m_backoff.next();
            m_ctx.diag->error(fmt::format("{}: {}; retrying in {}s", m_label, why, delay));
            m_restart_at = now + delay;
        }
        return;
    }
    if (m_closing) {
        // Its stdin is closed: the last look at what it read was close_input().
        if (!result.stopped && !(result.ending == Ending::exited && result.exit_code == 0)) {
            m_ctx.diag->error(fmt::format("{}: {}", m_label, describe(result)));
        }
        return;
    }
    // Lines the dead process read are delivered; those it never read go back
    // to the queue for the next one.
    uint64_t released = m_queue.release(result.stdin_unread);
    counters.delivered += released;
    complete(released);
    uint64_t back = m_queue.rewind(result.stdin_unread);
    if (now - m_started_at >= k_healthy_seconds) {
        m_backoff.reset();
    }
    ++counters.restarts;
    double delay = m_backoff.next();
    m_ctx.diag->error(fmt::format("{}: {}; restarting in {}s{}", m_label, describe(result), delay,
                                  back > 0 ? fmt::format(", {} unread line{} kept", back, back == 1 ? "" : "s") : ""));
    m_restart_at = now + delay;
}

void ConsumerDestination::service(double now) {
    read_output();
    if (m_child == 0 && !m_closing && now >= m_restart_at) {
        launch(now);
    }
    if (m_fd >= 0) {
        release_read();
        (void)write_some();
    } else {
        replay();
    }
}

double ConsumerDestination::deadline() const {
    if (m_out_stalled) {
        return steady_now() + k_output_retry;
    }
    if (m_child == 0) {
        return m_closing ? std::numeric_limits<double>::infinity() : m_restart_at;
    }
    // Nothing tells us when it reads from a pipe that still has room.
    return m_queue.retained_lines() > 0 ? steady_now() + k_read_check : std::numeric_limits<double>::infinity();
}

void ConsumerDestination::on_broken() {
    // Our read end keeps the pipe alive, so EPIPE means the pipe is unusable; wait for the exit.
    m_blocked = true;
}

bool ConsumerDestination::drained() const {
    // Drained means read by the process, not just handed to the pipe.
    if (m_child != 0 && m_fd >= 0 && m_ctx.children->stdin_unread(m_child) > 0) {
        return false;
    }
    return PipeWriter::drained() && m_queue.retained_lines() == 0 &&
           (m_child != 0 || m_closing || m_queue.bytes() == 0);
}

void ConsumerDestination::close_input() {
    if (m_closing) {
        return;
    }
    m_closing = true;
    // The last look at what the process has read: after this only its exit tells.
    release_read();
    if (m_child != 0) {
        m_ctx.children->close_stdin(m_child);
    }
    m_fd = -1;
}

void ConsumerDestination::abandon() {
    m_out_lines.clear();
    m_out_stalled = false;
    // Lines still unread in the pipe were never taken: lost, as the queued ones.
    counters.lost += m_queue.retained_lines();
    lose_queue();
    if (m_child != 0) {
        m_ctx.children->stop(m_child, k_stop_grace);
    }
}

}  // namespace ev::route
