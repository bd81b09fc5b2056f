// UDP sockets for traps: listen addresses as written on the command line,
// bound non-blocking with a large receive buffer and the kernel's drop
// counter (SO_RXQ_OVFL), read in batches with recvmmsg.
#pragma once

#include <netinet/in.h>
#include <sys/socket.h>

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.h"

namespace ev::snmptrap {

/// Parses ADDR:PORT (IPv4) or [ADDR]:PORT (IPv6) into a socket address.
Result<sockaddr_storage> parse_listen(std::string_view text);

/// The text of an address without its port, and the port.
std::string address_text(const sockaddr_storage& address);
uint16_t address_port(const sockaddr_storage& address);
/// ADDR:PORT or [ADDR]:PORT.
std::string endpoint_text(const sockaddr_storage& address);

/// One bound UDP socket.
class TrapSocket {
public:
    /// Binds address (IPv6 sockets with IPV6_V6ONLY); receive_buffer bytes
    /// are asked for (SO_RCVBUFFORCE when permitted, else SO_RCVBUF).
    static Result<TrapSocket> open(const sockaddr_storage& address, std::size_t receive_buffer);
    TrapSocket(TrapSocket&& other) noexcept;
    TrapSocket& operator=(TrapSocket&&) = delete;
    TrapSocket(const TrapSocket&) = delete;
    ~TrapSocket();

    int fd() const { return m_fd; }
    /// The address actually bound (the port chosen for port 0).
    const sockaddr_storage& local() const { return m_local; }
    /// Datagrams the kernel dropped on this socket for want of buffer space.
    uint32_t kernel_drops() const { return m_drops; }

    /// Reads up to k_batch datagrams without waiting; returns how many (0
    /// when none were ready). packet(i), truncated(i) and peer(i) describe them.
    std::size_t receive();
    std::string_view packet(std::size_t i) const;
    bool truncated(std::size_t i) const;
    const sockaddr_storage& peer(std::size_t i) const { return m_peers[i]; }

    /// Sends bytes to peer (an inform's Response); false when the kernel refused.
    bool send(std::string_view bytes, const sockaddr_storage& peer) const;

    static constexpr std::size_t k_batch = 64;
    static constexpr std::size_t k_packet = 65536;

private:
    explicit TrapSocket(int fd);

    int m_fd = -1;
    sockaddr_storage m_local{};
    uint32_t m_drops = 0;
    std::vector<char> m_buffers;
    std::vector<mmsghdr> m_headers;
    std::vector<iovec> m_iovecs;
    std::vector<sockaddr_storage> m_peers;
    std::vector<char> m_control;
};

}  // namespace ev::snmptrap
