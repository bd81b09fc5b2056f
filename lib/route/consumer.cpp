#include "route/consumer.h"

#include <poll.h>
#include <signal.h>
#include <sys/ioctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>

#include <fmt/format.h>

namespace ev::route {

namespace {
constexpr double k_max_backoff = 5;
constexpr double k_healthy_seconds = 10;
}  // namespace

ConsumerDestination::~ConsumerDestination() {
    if (m_child.pid > 0) {
        ::kill(-m_child.pid, SIGTERM);
        ExitStatus status;
        if (m_child.pidfd >= 0) {
            pollfd pfd{m_child.pidfd, POLLIN, 0};
            (void)::poll(&pfd, 1, 1000);
        }
        if (!reap_child(m_child.pid, status)) {
            ::kill(-m_child.pid, SIGKILL);
            (void)::waitpid(m_child.pid, nullptr, 0);
        }
    }
    close_fd(m_child.stdin_fd);
    close_fd(m_child.peek_fd);
    close_fd(m_child.pidfd);
}

Result<void> ConsumerDestination::start() {
    auto child = spawn_child(m_spec.argv, {}, true);
    if (!child) {
        return std::move(child).take_error();
    }
    m_child = *child;
    m_fd = m_child.stdin_fd;
    m_started_at = monotonic_now();
    m_retain = true;
    return {};
}

void ConsumerDestination::launch(double now) {
    auto child = spawn_child(m_spec.argv, {}, true);
    if (!child) {
        m_ctx.diag->error(fmt::format("{}: {}; retrying in {}s", m_label, child.error(), m_backoff));
        m_restart_at = now + m_backoff;
        m_backoff = std::min(m_backoff * 2, k_max_backoff);
        return;
    }
    m_child = *child;
    m_fd = m_child.stdin_fd;
    m_blocked = false;
    m_started_at = now;
}

void ConsumerDestination::want(std::vector<pollfd>& fds) const {
    PipeWriter::want(fds);
    if (m_child.pidfd >= 0) {
        fds.push_back(pollfd{m_child.pidfd, POLLIN, 0});
    }
}

void ConsumerDestination::release_read() {
    if (m_child.peek_fd < 0) {
        return;
    }
    int unread = 0;
    if (::ioctl(m_child.peek_fd, FIONREAD, &unread) == 0) {
        counters.delivered += m_queue.release(static_cast<std::size_t>(unread));
    }
}

void ConsumerDestination::on_exit(const ExitStatus& status, double now) {
    // Lines the dead process read are delivered; those it never read go back
    // to the queue for the next one.
    release_read();
    int unread = 0;
    if (m_child.peek_fd >= 0) {
        (void)::ioctl(m_child.peek_fd, FIONREAD, &unread);
    }
    uint64_t back = m_queue.rewind(static_cast<std::size_t>(unread));
    close_fd(m_child.stdin_fd);
    close_fd(m_child.peek_fd);
    close_fd(m_child.pidfd);
    m_child = Child{};
    m_fd = -1;
    m_blocked = false;
    if (m_closing) {
        return;
    }
    if (now - m_started_at >= k_healthy_seconds) {
        m_backoff = 0.1;
    }
    ++counters.restarts;
    m_ctx.diag->error(fmt::format("{}: {}; restarting in {}s{}", m_label, describe_exit(status), m_backoff,
                                  back > 0 ? fmt::format(", {} unread line{} kept", back, back == 1 ? "" : "s") : ""));
    m_restart_at = now + m_backoff;
    m_backoff = std::min(m_backoff * 2, k_max_backoff);
}

void ConsumerDestination::service(double now) {
    if (m_child.pid > 0) {
        ExitStatus status;
        if (reap_child(m_child.pid, status)) {
            on_exit(status, now);
        }
    }
    if (m_child.pid <= 0 && !m_closing && now >= m_restart_at) {
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
    return m_child.pid <= 0 && !m_closing ? m_restart_at : std::numeric_limits<double>::infinity();
}

void ConsumerDestination::on_broken() {
    // Our read end keeps the pipe alive, so EPIPE means the pipe is unusable; wait for the exit.
    m_blocked = true;
}

bool ConsumerDestination::drained() const {
    // Drained means read by the process, not just handed to the pipe.
    int unread = 0;
    if (m_child.peek_fd >= 0 && ::ioctl(m_child.peek_fd, FIONREAD, &unread) == 0 && unread > 0) {
        return false;
    }
    return PipeWriter::drained() && (m_child.pid > 0 || m_closing || m_queue.bytes() == 0);
}

void ConsumerDestination::close_input() {
    m_closing = true;
    // The last look at what the process has read: after this only its exit tells.
    release_read();
    close_fd(m_child.stdin_fd);
    close_fd(m_child.peek_fd);
    m_fd = -1;
}

bool ConsumerDestination::finished(double now) {
    if (m_child.pid > 0) {
        ExitStatus status;
        if (!reap_child(m_child.pid, status)) {
            return false;
        }
        if (!(status.exited && status.code == 0)) {
            m_ctx.diag->error(fmt::format("{}: {}", m_label, describe_exit(status)));
        }
        close_fd(m_child.pidfd);
        m_child = Child{};
    }
    return true;
}

void ConsumerDestination::abandon() {
    // Lines still unread in the pipe were never taken: lost, as the queued ones.
    counters.lost += m_queue.retained_lines();
    lose_queue();
    if (m_child.pid > 0) {
        ::kill(-m_child.pid, SIGTERM);
    }
}

}  // namespace ev::route
