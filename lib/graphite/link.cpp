#include "graphite/link.h"

#include <fcntl.h>
#include <linux/tcp.h>  // not netinet/tcp.h: glibc's tcp_info lacks tcpi_bytes_acked
#include <netdb.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <fmt/format.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

namespace ev::graphite {

namespace {

// Seconds a peer that closed in order gets to acknowledge what is in flight
// before the rest is taken as lost and sent again.
constexpr double k_closing_wait = 1.0;

// Bytes of the connection the peer's TCP has acknowledged. TCP_INFO keeps
// the count after a reset, when the send queue has already been purged. Its
// count includes the SYN, one sequence number before the first data byte.
bool bytes_acked(int fd, uint64_t& acked) {
    tcp_info info{};
    socklen_t len = sizeof info;
    if (::getsockopt(fd, IPPROTO_TCP, TCP_INFO, &info, &len) != 0 ||
        len < offsetof(tcp_info, tcpi_bytes_acked) + sizeof info.tcpi_bytes_acked) {
        return false;
    }
    acked = info.tcpi_bytes_acked > 0 ? info.tcpi_bytes_acked - 1 : 0;
    return true;
}

}  // namespace

Link::Link(Destination destination, Outbox& outbox, LinkTiming timing, std::function<void(std::string_view)> report)
    : m_destination(std::move(destination)),
      m_outbox(outbox),
      m_timing(timing),
      m_report(std::move(report)),
      m_backoff(timing.backoff_min, timing.backoff_max) {}

Link::~Link() {
    close();
}

void Link::close() {
    if (m_fd >= 0) {
        ::close(m_fd);
        m_fd = -1;
    }
    m_state = State::idle;
}

void Link::fail(double now, std::string_view why) {
    // What the peer took before the break is known only now: a burst written
    // at once is acknowledged after the last look, while nothing was to write.
    bool delivered = (m_state == State::connected || m_state == State::closing) && note_acknowledged(now) > 0;
    close();
    // The resend window guards against a carbon that restarts and loses its
    // cache: what its TCP took in the window is sent again, but once per
    // window, or a link that breaks often would carry the window many times.
    bool resend = m_last_resend < 0 || now - m_last_resend >= m_timing.keep;
    if (resend) {
        m_last_resend = now;
    }
    m_outbox.rewind(resend);
    ++m_failures;
    // A connection that carried data is tried again at once (a carbon, proxy
    // or balancer that cuts connections should cost no idle time); one that
    // took nothing waits the backoff, so a peer that accepts and closes at
    // once is not hammered.
    m_next_attempt = delivered ? now : now + m_backoff.next();
    if (!m_down) {
        m_down = true;
        m_report(fmt::format("{}: {}; retrying, datapoints wait", m_destination.to_string(), why));
    }
}

void Link::start_connect(double now) {
    addrinfo hints{};
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    hints.ai_flags = AI_NUMERICSERV;
    addrinfo* found = nullptr;
    std::string port = std::to_string(m_destination.port);
    int rc = ::getaddrinfo(m_destination.host.c_str(), port.c_str(), &hints, &found);
    if (rc != 0) {
        fail(now, fmt::format("cannot resolve: {}", ::gai_strerror(rc)));
        return;
    }
    int fd = ::socket(found->ai_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0) {
        ::freeaddrinfo(found);
        fail(now, fmt::format("socket: {}", std::strerror(errno)));
        return;
    }
    int one = 1;
    ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    // A peer that vanished without a reset would otherwise hold unacknowledged
    // data for the kernel's full retransmission time (about 15 minutes).
    unsigned user_timeout = 30000;
    ::setsockopt(fd, IPPROTO_TCP, TCP_USER_TIMEOUT, &user_timeout, sizeof user_timeout);
    rc = ::connect(fd, found->ai_addr, found->ai_addrlen);
    int err = errno;
    ::freeaddrinfo(found);
    m_fd = fd;
    m_started = now;
    if (rc == 0) {
        m_state = State::connected;
    } else if (err == EINPROGRESS) {
        m_state = State::connecting;
    } else {
        fail(now, fmt::format("connect: {}", std::strerror(err)));
    }
}

void Link::service(double now) {
    // Carbon never talks back: readable means closed (0) or reset (error).
    char sink[4096];
    for (;;) {
        ssize_t n = ::recv(m_fd, sink, sizeof sink, MSG_DONTWAIT);
        if (n > 0) {
            continue;
        }
        if (n == 0) {
            // An orderly close (a proxy or balancer cutting the connection):
            // the peer may still read what is in flight. Written lines count
            // as sent once acknowledged, not again on the next connection.
            m_state = State::closing;
            m_started = now;
            service_closing(now);
            return;
        }
        if (errno == EINTR) {
            continue;
        }
        if (errno == EAGAIN || errno == EWOULDBLOCK) {
            break;
        }
        fail(now, fmt::format("connection lost: {}", std::strerror(errno)));
        return;
    }
    m_blocked = false;
    std::string error;
    for (;;) {
        std::string_view bytes = m_outbox.next_bytes(error);
        if (!error.empty()) {
            m_report(fmt::format("{}: {}", m_destination.to_string(), error));
            error.clear();
        }
        if (bytes.empty()) {
            break;
        }
        ssize_t n = ::send(m_fd, bytes.data(), bytes.size(), MSG_DONTWAIT | MSG_NOSIGNAL);
        if (n > 0) {
            m_outbox.written(static_cast<std::size_t>(n), now);
            continue;
        }
        if (n < 0 && errno == EINTR) {
            continue;
        }
        if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
            m_blocked = true;
            break;
        }
        fail(now, fmt::format("connection lost: {}", std::strerror(errno)));
        return;
    }
    note_acknowledged(now);
}

uint64_t Link::note_acknowledged(double now) {
    uint64_t acked = 0;
    if (!bytes_acked(m_fd, acked)) {
        return 0;
    }
    acked = std::min(acked, m_outbox.stream());
    m_outbox.acknowledged(acked, now, m_timing.keep);
    return acked;
}

void Link::service_closing(double now) {
    int err = 0;
    socklen_t len = sizeof err;
    ::getsockopt(m_fd, SOL_SOCKET, SO_ERROR, &err, &len);
    if (err != 0) {
        fail(now, fmt::format("connection lost: {}", std::strerror(err)));
        return;
    }
    // Everything written acknowledged, or the peer stopped reading: the
    // unacknowledged rest is sent again on the next connection.
    if (note_acknowledged(now) >= m_outbox.stream() || now - m_started > k_closing_wait) {
        fail(now, "connection closed by carbon");
    }
}

void Link::pump(double now) {
    if (m_state == State::idle) {
        if (m_outbox.empty() || now < m_next_attempt) {
            return;
        }
        start_connect(now);
    }
    if (m_state == State::connecting) {
        // A look, never a wait (timeout 0): the engine waits in signals::poll.
        pollfd p{m_fd, POLLOUT, 0};
        if (::poll(&p, 1, 0) <= 0) {
            if (now - m_started > m_timing.connect_timeout) {
                fail(now, "connect: timed out");
            }
            return;
        }
        int err = 0;
        socklen_t len = sizeof err;
        ::getsockopt(m_fd, SOL_SOCKET, SO_ERROR, &err, &len);
        if (err != 0) {
            fail(now, fmt::format("connect: {}", std::strerror(err)));
            return;
        }
        m_state = State::connected;
    }
    if (m_state == State::closing) {
        service_closing(now);
        return;
    }
    if (m_state == State::connected) {
        if (m_down) {
            m_down = false;
            m_report(fmt::format("{}: connected again", m_destination.to_string()));
        }
        m_backoff.reset();
        service(now);
    }
}

int Link::poll_fd(short& events) const {
    if (m_state == State::connecting) {
        events = POLLOUT;
        return m_fd;
    }
    if (m_state == State::closing) {
        events = 0;  // an end of input stays readable; only an error or hang-up wakes
        return m_fd;
    }
    if (m_state == State::connected) {
        events = POLLIN;
        if (m_outbox.has_unwritten()) {
            events |= POLLOUT;
        }
        return m_fd;
    }
    return -1;
}

double Link::wait_hint(double now) const {
    if (m_state == State::idle) {
        return m_outbox.empty() ? -1 : std::max(0.0, m_next_attempt - now);
    }
    if (m_state == State::connecting) {
        return std::max(0.0, m_started + m_timing.connect_timeout - now);
    }
    if (m_state == State::closing) {
        return 0.005;  // acknowledgements come without a poll event
    }
    if (m_outbox.empty()) {
        return -1;
    }
    if (m_outbox.has_unwritten()) {
        return m_blocked ? 0.05 : 0.01;
    }
    // Only acknowledgements (or the resend window) to wait for: not urgent.
    return 0.25;
}

}  // namespace ev::graphite
