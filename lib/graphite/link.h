// Link: the TCP connection to one carbon destination, driven without
// blocking: connect, write what its Outbox holds, notice a broken
// connection, reconnect with exponential backoff.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>

#include "core/backoff.h"
#include "graphite/destination.h"
#include "graphite/outbox.h"

namespace ev::graphite {

/// Timing of connections.
struct LinkTiming {
    double connect_timeout = 5;  ///< seconds a connection attempt may take
    double backoff_min = 0.1;    ///< first wait after a failure
    double backoff_max = 30;     ///< longest wait between attempts
    double keep = 0;             ///< seconds written lines stay for re-sending after acknowledgement
};

/// One destination: its outbox and its connection. Times are seconds on
/// the steady clock (steady_now()), given by the caller.
class Link {
public:
    /// Messages (connection lost, connected again) go to report.
    Link(Destination destination, Outbox& outbox, LinkTiming timing, std::function<void(std::string_view)> report);
    ~Link();
    Link(const Link&) = delete;
    Link& operator=(const Link&) = delete;

    /// Makes what progress is possible now without blocking.
    void pump(double now);

    /// The descriptor and poll events to wait on, or -1 when only time helps.
    int poll_fd(short& events) const;
    /// Seconds from now until pump() has timed work (a retry), or a negative value.
    double wait_hint(double now) const;

    /// True while connected.
    bool connected() const { return m_state == State::connected; }
    /// Connections that broke or failed to open.
    uint64_t failures() const { return m_failures; }
    /// The destination this link writes to.
    const Destination& destination() const { return m_destination; }
    /// Changes how long acknowledged lines are kept (0 while draining at exit).
    void set_keep(double keep) { m_timing.keep = keep; }
    /// Closes the connection (at exit).
    void close();

private:
    // closing: the peer closed its side in order; what it still reads of
    // ours is waited for (acknowledged), so it is not sent twice.
    enum class State { idle, connecting, connected, closing };
    void start_connect(double now);
    void fail(double now, std::string_view why);
    void service(double now);
    void service_closing(double now);
    uint64_t note_acknowledged(double now);  // bytes acknowledged on this connection

    Destination m_destination;
    Outbox& m_outbox;
    LinkTiming m_timing;
    std::function<void(std::string_view)> m_report;
    State m_state = State::idle;
    int m_fd = -1;
    double m_next_attempt = 0;
    double m_last_resend = -1;  // when the held, acknowledged lines were last sent again
    Backoff m_backoff;
    double m_started = 0;    // when the connection attempt, or the closing, began
    bool m_blocked = false;  // the last write hit a full socket buffer
    bool m_down = false;     // a failure was reported and no connection made since
    uint64_t m_failures = 0;
};

}  // namespace ev::graphite
