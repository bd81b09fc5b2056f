#include "route/consumer.h"

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
}  // namespace

ConsumerDestination::~ConsumerDestination() {
    // Only a destination dropped by a failed reload still runs one; the
    // process layer reaps it in the background.
    if (m_child != 0) {
        m_ctx.children->stop(m_child, k_stop_grace);
    }
}

Result<void> ConsumerDestination::start() {
    m_retain = true;
    launch(steady_now());
    return {};
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
    spec.spawn.stdout_mode = OutputMode::to_fd;
    spec.spawn.stdout_fd = 2;
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
    // Lines still unread in the pipe were never taken: lost, as the queued ones.
    counters.lost += m_queue.retained_lines();
    lose_queue();
    if (m_child != 0) {
        m_ctx.children->stop(m_child, k_stop_grace);
    }
}

}  // namespace ev::route
