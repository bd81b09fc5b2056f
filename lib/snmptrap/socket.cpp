#include "snmptrap/socket.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <unistd.h>

#include <fmt/format.h>

#include <cerrno>
#include <charconv>
#include <cstring>

#include "core/escape.h"

namespace ev::snmptrap {

namespace {

constexpr std::size_t k_control = CMSG_SPACE(sizeof(uint32_t));

}  // namespace

Result<sockaddr_storage> parse_listen(std::string_view text) {
    sockaddr_storage ss{};
    std::string host;
    std::string_view port_text;
    if (!text.empty() && text.front() == '[') {
        std::size_t close = text.find(']');
        if (close == std::string_view::npos || close + 1 >= text.size() || text[close + 1] != ':') {
            return make_error(fmt::format("'{}': expected [ADDR]:PORT", escape_prefix(text)));
        }
        host = std::string(text.substr(1, close - 1));
        port_text = text.substr(close + 2);
    } else {
        std::size_t colon = text.rfind(':');
        if (colon == std::string_view::npos) {
            return make_error(fmt::format("'{}': expected ADDR:PORT or [ADDR]:PORT", escape_prefix(text)));
        }
        host = std::string(text.substr(0, colon));
        port_text = text.substr(colon + 1);
    }
    unsigned port = 0;
    auto [end, ec] = std::from_chars(port_text.data(), port_text.data() + port_text.size(), port);
    if (ec != std::errc() || end != port_text.data() + port_text.size() || port > 65535 || port_text.empty()) {
        return make_error(fmt::format("'{}': the port must be 0..65535", escape_prefix(text)));
    }
    auto* v4 = reinterpret_cast<sockaddr_in*>(&ss);
    auto* v6 = reinterpret_cast<sockaddr_in6*>(&ss);
    if (text.front() != '[' && inet_pton(AF_INET, host.c_str(), &v4->sin_addr) == 1) {
        v4->sin_family = AF_INET;
        v4->sin_port = htons(static_cast<uint16_t>(port));
    } else if (text.front() == '[' && inet_pton(AF_INET6, host.c_str(), &v6->sin6_addr) == 1) {
        v6->sin6_family = AF_INET6;
        v6->sin6_port = htons(static_cast<uint16_t>(port));
    } else {
        return make_error(
            fmt::format("'{}': not an IPv4 address, or an IPv6 address in brackets", escape_prefix(text)));
    }
    return ss;
}

std::string address_text(const sockaddr_storage& address) {
    char text[INET6_ADDRSTRLEN] = "?";
    if (address.ss_family == AF_INET) {
        inet_ntop(AF_INET, &reinterpret_cast<const sockaddr_in*>(&address)->sin_addr, text, sizeof text);
    } else if (address.ss_family == AF_INET6) {
        inet_ntop(AF_INET6, &reinterpret_cast<const sockaddr_in6*>(&address)->sin6_addr, text, sizeof text);
    }
    return text;
}

uint16_t address_port(const sockaddr_storage& address) {
    if (address.ss_family == AF_INET) {
        return ntohs(reinterpret_cast<const sockaddr_in*>(&address)->sin_port);
    }
    if (address.ss_family == AF_INET6) {
        return ntohs(reinterpret_cast<const sockaddr_in6*>(&address)->sin6_port);
    }
    return 0;
}

std::string endpoint_text(const sockaddr_storage& address) {
    if (address.ss_family == AF_INET6) {
        return fmt::format("[{}]:{}", address_text(address), address_port(address));
    }
    return fmt::format("{}:{}", address_text(address), address_port(address));
}

TrapSocket::TrapSocket(int fd)
    : m_fd(fd),
      m_buffers(k_batch * k_packet),
      m_headers(k_batch),
      m_iovecs(k_batch),
      m_peers(k_batch),
      m_control(k_batch * k_control) {}

TrapSocket::TrapSocket(TrapSocket&& other) noexcept
    : m_fd(other.m_fd),
      m_local(other.m_local),
      m_drops(other.m_drops),
      m_buffers(std::move(other.m_buffers)),
      m_headers(std::move(other.m_headers)),
      m_iovecs(std::move(other.m_iovecs)),
      m_peers(std::move(other.m_peers)),
      m_control(std::move(other.m_control)) {
    other.m_fd = -1;
}

TrapSocket::~TrapSocket() {
    if (m_fd >= 0) {
        ::close(m_fd);
    }
}

Result<TrapSocket> TrapSocket::open(const sockaddr_storage& address, std::size_t receive_buffer) {
    int fd = ::socket(address.ss_family, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0) {
        return make_error(fmt::format("{}: socket: {}", endpoint_text(address), std::strerror(errno)));
    }
    TrapSocket sock(fd);
    int one = 1;
    if (address.ss_family == AF_INET6) {
        (void)setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof one);
    }
    int size = static_cast<int>(std::min<std::size_t>(receive_buffer, 1u << 30));
    if (setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &size, sizeof size) != 0) {
        (void)setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &size, sizeof size);
    }
    (void)setsockopt(fd, SOL_SOCKET, SO_RXQ_OVFL, &one, sizeof one);
    socklen_t length = address.ss_family == AF_INET6 ? sizeof(sockaddr_in6) : sizeof(sockaddr_in);
    if (::bind(fd, reinterpret_cast<const sockaddr*>(&address), length) != 0) {
        return make_error(fmt::format("{}: bind: {}", endpoint_text(address), std::strerror(errno)));
    }
    length = sizeof sock.m_local;
    getsockname(fd, reinterpret_cast<sockaddr*>(&sock.m_local), &length);
    return sock;
}

std::size_t TrapSocket::receive() {
    for (std::size_t i = 0; i < k_batch; ++i) {
        m_iovecs[i] = iovec{m_buffers.data() + i * k_packet, k_packet};
        msghdr& h = m_headers[i].msg_hdr;
        h = msghdr{};
        h.msg_name = &m_peers[i];
        h.msg_namelen = sizeof m_peers[i];
        h.msg_iov = &m_iovecs[i];
        h.msg_iovlen = 1;
        h.msg_control = m_control.data() + i * k_control;
        h.msg_controllen = k_control;
        m_headers[i].msg_len = 0;
    }
    int n = ::recvmmsg(m_fd, m_headers.data(), k_batch, MSG_DONTWAIT, nullptr);
    if (n <= 0) {
        return 0;
    }
    for (int i = 0; i < n; ++i) {
        msghdr& h = m_headers[static_cast<std::size_t>(i)].msg_hdr;
        for (cmsghdr* c = CMSG_FIRSTHDR(&h); c != nullptr; c = CMSG_NXTHDR(&h, c)) {
            if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SO_RXQ_OVFL) {
                std::memcpy(&m_drops, CMSG_DATA(c), sizeof m_drops);
            }
        }
    }
    return static_cast<std::size_t>(n);
}

std::string_view TrapSocket::packet(std::size_t i) const {
    return {m_buffers.data() + i * k_packet, std::min<std::size_t>(m_headers[i].msg_len, k_packet)};
}

bool TrapSocket::truncated(std::size_t i) const {
    return (m_headers[i].msg_hdr.msg_flags & MSG_TRUNC) != 0;
}

bool TrapSocket::send(std::string_view bytes, const sockaddr_storage& peer) const {
    socklen_t length = peer.ss_family == AF_INET6 ? sizeof(sockaddr_in6) : sizeof(sockaddr_in);
    return ::sendto(m_fd, bytes.data(), bytes.size(), MSG_DONTWAIT, reinterpret_cast<const sockaddr*>(&peer), length) ==
           static_cast<ssize_t>(bytes.size());
}

}  // namespace ev::snmptrap
