#include "route/pipe_writer.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include <fmt/format.h>

#include "core/clock.h"
#include "core/spawn.h"

namespace ev::route {

namespace {
// Below this many unsent bytes, writing waits for the next idle moment or poll.
constexpr std::size_t k_eager_bytes = std::size_t{1} << 16;
// How often a FIFO without a reader is tried again.
constexpr double k_fifo_retry = 0.2;
}  // namespace

void PipeWriter::want(std::vector<pollfd>& fds) const {
    // Unsent bytes and a writable pipe mean work: the write either empties
    // the queue or fills the pipe, so this never spins.
    if (m_fd >= 0 && !m_queue.empty()) {
        fds.push_back(pollfd{m_fd, POLLOUT, 0});
    }
}

void PipeWriter::flush() {
    (void)write_some();
}

void PipeWriter::queued_one() {
    if (!m_blocked && m_queue.unsent().size() >= k_eager_bytes) {
        (void)write_some();
    }
}

bool PipeWriter::write_some() {
    replay();
    while (m_fd >= 0 && !m_queue.empty()) {
        std::string_view bytes = m_queue.unsent();
        ssize_t n = ::write(m_fd, bytes.data(), bytes.size());
        if (n > 0) {
            m_queue.mark_sent(static_cast<std::size_t>(n));
            if (!m_retain) {
                // Whole lines the pipe took are delivered; a retaining
                // subclass counts them once its reader has them (after_write).
                uint64_t released = m_queue.release(0);
                counters.delivered += released;
                complete(released);
            }
            after_write();
            m_blocked = false;
            replay();
            continue;
        }
        if (n < 0 && errno == EINTR) {
            continue;
        }
        if (n < 0 && errno == EAGAIN) {
            m_blocked = true;
            return true;
        }
        if (n < 0 && errno == EPIPE) {
            on_broken();
            return false;
        }
        m_ctx.diag->error(fmt::format("{}: write failed: {}", m_label, std::strerror(errno)));
        on_broken();
        return false;
    }
    return true;
}

FifoDestination::~FifoDestination() {
    close_fd(m_fd);
}

Result<void> FifoDestination::start() {
    struct stat st {};
    if (::stat(m_spec.path.c_str(), &st) != 0) {
        if (::mkfifo(m_spec.path.c_str(), 0600) != 0) {
            return make_error(fmt::format("cannot create FIFO {}: {}", m_spec.path, std::strerror(errno)));
        }
    } else if (!S_ISFIFO(st.st_mode)) {
        return make_error(fmt::format("{} is not a FIFO", m_spec.path));
    }
    service(steady_now());
    return {};
}

void FifoDestination::service(double now) {
    if (m_fd < 0 && now >= m_retry_at) {
        // Non-blocking open fails with ENXIO until a reader has it open.
        int fd = ::open(m_spec.path.c_str(), O_WRONLY | O_NONBLOCK | O_CLOEXEC);
        if (fd >= 0) {
            m_fd = fd;
            m_blocked = false;
        } else {
            m_retry_at = now + k_fifo_retry;
        }
    }
    (void)write_some();
    if (m_fd < 0) {
        replay();
    }
}

double FifoDestination::deadline() const {
    return m_fd < 0 && !drained() ? m_retry_at : std::numeric_limits<double>::infinity();
}

void FifoDestination::on_broken() {
    // What the old reader did not read went with the pipe; later lines wait for a new reader.
    close_fd(m_fd);
    m_retry_at = steady_now() + k_fifo_retry;
}

}  // namespace ev::route
