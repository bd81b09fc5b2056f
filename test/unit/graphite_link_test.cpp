#include "graphite/link.h"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <string>
#include <vector>

#include "core/clock.h"
#include "graphite/destination.h"

namespace {

using ev::graphite::Destination;
using ev::graphite::Link;
using ev::graphite::LinkTiming;
using ev::graphite::Outbox;

// A real listening socket on loopback that the test accepts from and reads.
class Listener {
public:
    explicit Listener(uint16_t port = 0) {
        m_fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
        int one = 1;
        ::setsockopt(m_fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
        sockaddr_in addr{};
        addr.sin_family = AF_INET;
        addr.sin_port = htons(port);
        addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        EXPECT_EQ(::bind(m_fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0);
        EXPECT_EQ(::listen(m_fd, 8), 0);
        socklen_t len = sizeof addr;
        ::getsockname(m_fd, reinterpret_cast<sockaddr*>(&addr), &len);
        m_port = ntohs(addr.sin_port);
    }
    ~Listener() {
        drop();
        ::close(m_fd);
    }
    uint16_t port() const { return m_port; }
    // Accepts a pending connection, if any.
    bool accept_one() {
        pollfd p{m_fd, POLLIN, 0};
        if (::poll(&p, 1, 0) <= 0) {
            return false;
        }
        m_conn = ::accept(m_fd, nullptr, nullptr);
        return m_conn >= 0;
    }
    // Reads what is ready on the accepted connection.
    void read_ready() {
        char buf[65536];
        for (;;) {
            pollfd p{m_conn, POLLIN, 0};
            if (m_conn < 0 || ::poll(&p, 1, 0) <= 0) {
                return;
            }
            ssize_t n = ::read(m_conn, buf, sizeof buf);
            if (n <= 0) {
                return;
            }
            m_got.append(buf, static_cast<std::size_t>(n));
        }
    }
    void drop() {
        if (m_conn >= 0) {
            ::close(m_conn);
            m_conn = -1;
        }
    }
    std::string m_got;

private:
    int m_fd = -1;
    int m_conn = -1;
    uint16_t m_port = 0;
};

Destination loopback(uint16_t port) {
    return Destination{"127.0.0.1", port, ""};
}

// Pumps the link until done() or about two seconds pass.
template <class F>
bool pump_until(Link& link, Listener* listener, F done) {
    for (int i = 0; i < 400; ++i) {
        link.pump(ev::steady_now());
        if (listener != nullptr) {
            listener->accept_one();
            listener->read_ready();
        }
        if (done()) {
            return true;
        }
        ::usleep(5000);
    }
    return false;
}

TEST(GraphiteLink, WritesToARealSocketAndSeesTheAcknowledgement) {
    Listener carbon;
    Outbox box(1 << 20, nullptr);
    std::vector<std::string> messages;
    Link link(loopback(carbon.port()), box, LinkTiming{}, [&](std::string_view m) { messages.emplace_back(m); });
    box.push("a.b 1 100\n", 1, 0);
    box.push("a.b 2 101\n", 1, 0);
    ASSERT_TRUE(pump_until(link, &carbon, [&] { return box.empty(); }));
    ASSERT_TRUE(pump_until(link, &carbon, [&] { return carbon.m_got.size() == 20; }));
    EXPECT_EQ(carbon.m_got, "a.b 1 100\na.b 2 101\n");
    EXPECT_TRUE(link.connected());
    EXPECT_EQ(box.counters().delivered, 2u);
    EXPECT_TRUE(messages.empty());
}

TEST(GraphiteLink, RefusedThenReconnectsWithBackoff) {
    uint16_t port;
    {
        Listener probe;
        port = probe.port();
    }
    Outbox box(1 << 20, nullptr);
    std::vector<std::string> messages;
    LinkTiming timing;
    timing.backoff_min = 0.01;
    timing.backoff_max = 0.05;
    Link link(loopback(port), box, timing, [&](std::string_view m) { messages.emplace_back(m); });
    box.push("x 1 1\n", 1, 0);
    ASSERT_TRUE(pump_until(link, nullptr, [&] { return link.failures() >= 3; }));
    ASSERT_EQ(messages.size(), 1u);
    EXPECT_EQ(messages[0],
              "127.0.0.1:" + std::to_string(port) + ": connect: Connection refused; retrying, datapoints wait");
    Listener carbon(port);
    ASSERT_TRUE(pump_until(link, &carbon, [&] { return carbon.m_got == "x 1 1\n" && box.empty(); }));
    ASSERT_EQ(messages.size(), 2u);
    EXPECT_EQ(messages[1], "127.0.0.1:" + std::to_string(port) + ": connected again");
}

TEST(GraphiteLink, PeerClosingIsNoticedAndNothingUnacknowledgedIsLost) {
    Listener carbon;
    Outbox box(1 << 20, nullptr);
    std::vector<std::string> messages;
    LinkTiming timing;
    timing.backoff_min = 0.01;
    Link link(loopback(carbon.port()), box, timing, [&](std::string_view m) { messages.emplace_back(m); });
    box.push("a 1 1\n", 1, 0);
    ASSERT_TRUE(pump_until(link, &carbon, [&] { return box.empty() && carbon.m_got == "a 1 1\n"; }));
    carbon.drop();
    ASSERT_TRUE(pump_until(link, nullptr, [&] { return link.failures() == 1; }));
    EXPECT_EQ(messages.at(0), "127.0.0.1:" + std::to_string(carbon.port()) +
                                  ": connection closed by carbon; retrying, datapoints wait");
    box.push("b 2 2\n", 1, 0);
    ASSERT_TRUE(pump_until(link, &carbon, [&] { return box.empty() && carbon.m_got == "a 1 1\nb 2 2\n"; }));
}

TEST(GraphiteLink, ConnectsOverIpv6) {
    int fd = ::socket(AF_INET6, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in6 addr{};
    addr.sin6_family = AF_INET6;
    addr.sin6_addr = in6addr_loopback;
    if (fd < 0 || ::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 || ::listen(fd, 4) != 0) {
        if (fd >= 0) {
            ::close(fd);
        }
        GTEST_SKIP() << "no IPv6 loopback here";
    }
    socklen_t len = sizeof addr;
    ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
    auto dest = ev::graphite::parse_destination("[::1]:" + std::to_string(ntohs(addr.sin6_port))).value();
    Outbox box(1 << 20, nullptr);
    Link link(dest, box, LinkTiming{}, [](std::string_view) {});
    box.push("v6 1 1\n", 1, 0);
    int conn = -1;
    std::string got;
    for (int i = 0; i < 400 && got != "v6 1 1\n"; ++i) {
        link.pump(ev::steady_now());
        pollfd p{conn < 0 ? fd : conn, POLLIN, 0};
        if (::poll(&p, 1, 5) > 0) {
            if (conn < 0) {
                conn = ::accept(fd, nullptr, nullptr);
            } else {
                char buf[64];
                ssize_t n = ::read(conn, buf, sizeof buf);
                if (n > 0) {
                    got.append(buf, static_cast<std::size_t>(n));
                }
            }
        }
    }
    EXPECT_EQ(got, "v6 1 1\n");
    if (conn >= 0) {
        ::close(conn);
    }
    ::close(fd);
}

}  // namespace
