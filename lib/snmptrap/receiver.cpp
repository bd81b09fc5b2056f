#include "snmptrap/receiver.h"

#include <grp.h>
#include <pwd.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <fmt/format.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cmath>
#include <cstring>
#include <thread>

#include "core/clock.h"
#include "core/escape.h"
#include "core/exit_code.h"
#include "core/host.h"
#include "core/id.h"
#include "core/json.h"
#include "core/notify.h"
#include "core/self_status.h"
#include "core/signals.h"
#include "core/stats.h"
#include "snmptrap/decode.h"
#include "snmptrap/event.h"
#include "snmptrap/limits.h"
#include "snmptrap/queue.h"
#include "snmptrap/socket.h"
#include "snmptrap/stats.h"

namespace ev::snmptrap {

namespace {

// Writes what the receiving thread queues; the only user of the sink.
class OutputThread {
public:
    OutputThread(OutputQueue& queue, Sink& out, int wake_fd) : m_queue(queue), m_out(out), m_wake(wake_fd) {}

    void start() {
        m_thread = std::thread([this] { run(); });
    }
    void join() {
        if (m_thread.joinable()) {
            m_thread.join();
        }
    }
    /// True once output has ended (EPIPE) or failed: the receiver stops.
    bool done() const { return m_done.load(); }
    /// True once the thread has nothing more to do (it may then be joined).
    bool finished() const { return m_finished.load(); }
    uint64_t written() const { return m_written.load(); }

private:
    void run() {
        work();
        m_finished.store(true);
    }

    void work() {
        std::string block;
        while (m_queue.take(block, 200)) {
            if (m_out.poll_fd() >= 0) {
                m_out.service();
            }
            if (block.empty()) {
                continue;
            }
            uint64_t lines = 0;
            std::string_view rest(block);
            while (!rest.empty()) {
                std::size_t nl = rest.find('\n');
                m_out.write_line(rest.substr(0, nl));
                ++lines;
                rest.remove_prefix(nl + 1);
            }
            // Flushed whenever the queue ran dry: one trap reaches the next stage at once.
            if (!m_out.flush()) {
                finish();
                return;
            }
            m_written.fetch_add(lines);
        }
        if (!m_out.flush()) {
            finish();
        }
    }

    void finish() {
        m_done.store(true);
        uint64_t one = 1;
        (void)::write(m_wake, &one, sizeof one);
        // Keep emptying the queue so the receiver never waits on it; nothing more is written.
        std::string block;
        while (m_queue.take(block, 200)) {
        }
    }

    OutputQueue& m_queue;
    Sink& m_out;
    int m_wake;
    std::thread m_thread;
    std::atomic<bool> m_done{false};
    std::atomic<bool> m_finished{false};
    std::atomic<uint64_t> m_written{0};
};

// Reports of refused packets: the first 10, then at most one a second.
class Reports {
public:
    explicit Reports(Diagnostics& diag) : m_diag(diag) {}
    void report(std::string_view message) {
        double now = steady_now();
        if (m_shown >= 10 && now - m_last < 1) {
            ++m_suppressed;
            return;
        }
        ++m_shown;
        m_last = now;
        m_diag.error(message);
    }
    uint64_t suppressed() const { return m_suppressed; }

private:
    Diagnostics& m_diag;
    uint64_t m_shown = 0;
    uint64_t m_suppressed = 0;
    double m_last = 0;
};

Result<void> drop_privileges(const std::string& user) {
    if (user.empty()) {
        return {};
    }
    errno = 0;
    passwd* pw = getpwnam(user.c_str());
    if (pw == nullptr) {
        return make_error(fmt::format("--user {}: no such user", escape_prefix(user)));
    }
    if (geteuid() != 0) {
        if (pw->pw_uid == geteuid()) {
            return {};
        }
        return make_error(fmt::format("--user {}: only root can change user", escape_prefix(user)));
    }
    if (initgroups(pw->pw_name, pw->pw_gid) != 0 || setgid(pw->pw_gid) != 0 || setuid(pw->pw_uid) != 0) {
        return make_error(fmt::format("--user {}: {}", escape_prefix(user), std::strerror(errno)));
    }
    if (setuid(0) == 0) {
        return make_error(fmt::format("--user {}: root privileges could not be dropped", escape_prefix(user)));
    }
    return {};
}

class Receiver {
public:
    Receiver(const ReceiverOptions& options, Sink& out, Diagnostics& diag)
        : m_options(options),
          m_out(out),
          m_diag(diag),
          m_reports(diag),
          m_queue(options.queue_size),
          m_window(options.inform_window),
          m_rate(options.max_rate) {}

    ~Receiver() {
        if (m_wake >= 0) {
            ::close(m_wake);
        }
    }

    int run() {
        auto rules = load_rule_set(m_options);
        if (!rules) {
            m_diag.error(rules.error());
            return exit_code::k_usage;
        }
        m_rules = std::move(*rules);
        if (!m_options.map_path.empty()) {
            auto map = Subjects::load_map(m_options.map_path);
            if (!map) {
                m_diag.error(map.error());
                return exit_code::k_usage;
            }
            m_subjects.set_map(std::move(*map));
        }
        m_subjects.set_resolve(m_options.resolve);
        if (int code = open_sockets(); code != exit_code::k_ok) {
            return code;
        }
        if (auto dropped = drop_privileges(m_options.user); !dropped) {
            m_diag.error(dropped.error());
            return exit_code::k_usage;
        }
        if (m_options.user.empty() && geteuid() == 0) {
            m_diag.error("running as root: give --user to drop privileges after binding");
        }
        // Announced only now, so whoever waits for these lines finds the
        // privileges already dropped.
        for (const auto& sock : m_sockets) {
            m_diag.error(fmt::format("listening on {}", endpoint_text(sock.local())));
        }
        m_wake = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
        OutputThread writer(m_queue, m_out, m_wake);
        writer.start();
        register_counters(m_stats, m_counters, [this] { return m_sockets_drops(); });
        m_stats.start(m_options.stats_interval);
        notify::ready();
        loop(writer);
        notify::stopping();
        if (m_stats.enabled()) {
            m_counters.written = writer.written();
            emit_counters();  // the same counters once at exit
        }
        m_queue.close();
        double deadline = steady_now() + m_options.drain_timeout;
        while (!writer.finished() && steady_now() < deadline) {
            signals::sleep_ms(10);
        }
        m_counters.written = writer.written();
        m_diag.error(counters_text(m_counters, m_sockets_drops()));
        if (m_reports.suppressed() > 0) {
            m_diag.error(fmt::format("{} reports of refused packets not shown", m_reports.suppressed()));
        }
        if (!writer.finished()) {
            // The writer is stuck in a write that may never return (a reader
            // that stopped reading): nothing can be flushed, and neither the
            // thread nor the sink can be taken down in order, so leave now.
            m_diag.error(fmt::format("output stalled: {} events not written after --drain-timeout",
                                     m_counters.emitted - m_counters.written));
            _exit(exit_code::k_io);
        }
        writer.join();
        if (m_out.failed()) {
            m_diag.error(m_out.error());
            return exit_code::k_io;
        }
        return exit_code::k_ok;
    }

private:
    int open_sockets() {
        for (const std::string& text : m_options.listen) {
            auto address = parse_listen(text);
            if (!address) {
                m_diag.error(fmt::format("--listen {}", address.error()));
                return exit_code::k_usage;
            }
            auto sock = TrapSocket::open(*address, m_options.receive_buffer);
            if (!sock) {
                if (m_options.default_listen && address->ss_family == AF_INET6 && errno == EAFNOSUPPORT) {
                    continue;  // a host without IPv6 keeps the IPv4 default
                }
                m_diag.error(sock.error());
                return exit_code::k_usage;
            }
            m_sockets.push_back(std::move(*sock));
        }
        return exit_code::k_ok;
    }

    uint64_t m_sockets_drops() const {
        uint64_t total = 0;
        for (const TrapSocket& s : m_sockets) {
            total += s.kernel_drops();
        }
        return total;
    }

    void loop(OutputThread& writer) {
        std::vector<pollfd> fds;
        for (const TrapSocket& s : m_sockets) {
            fds.push_back(pollfd{s.fd(), POLLIN, 0});
        }
        fds.push_back(pollfd{m_wake, POLLIN, 0});
        double start = steady_now();
        double stop_at = m_options.run_for > 0 ? start + m_options.run_for : INFINITY;
        while (!signals::stop_requested() && !writer.done()) {
            double now = steady_now();
            if (now >= stop_at) {
                break;
            }
            // The tick's signal ends the poll below, so this is seen in time.
            if (m_stats.due()) {
                m_counters.written = writer.written();
                emit_counters();
                write_self(m_reload_status.repeat());
            }
            double wake = stop_at;
            int timeout = std::isinf(wake) ? 1000 : static_cast<int>(std::ceil((wake - now) * 1000));
            timeout = std::clamp(timeout, 0, 1000);
            int ready = signals::poll(fds.data(), fds.size(), timeout);
            if (signals::take_reload()) {
                reload();
            }
            if (signals::take_stats()) {
                m_counters.written = writer.written();
                m_diag.error(counters_text(m_counters, m_sockets_drops()));
            }
            if (ready <= 0) {
                continue;
            }
            // Every ready socket gets a few batches in turn, so one busy
            // socket cannot starve the others.
            for (std::size_t round = 0; round < 16; ++round) {
                bool any = false;
                for (TrapSocket& s : m_sockets) {
                    std::size_t n = s.receive();
                    any = any || n > 0;
                    handle_batch(s, n);
                }
                if (!any || signals::stop_requested_now()) {
                    break;
                }
            }
        }
    }

    void reload() {
        auto rules = load_rule_set(m_options);
        if (!rules) {
            reload_failed(fmt::format("reload failed, keeping the old rules: {}", rules.error()));
            return;
        }
        if (!m_options.map_path.empty()) {
            auto map = Subjects::load_map(m_options.map_path);
            if (!map) {
                reload_failed(fmt::format("reload failed, keeping the old rules and map: {}", map.error()));
                return;
            }
            m_subjects.set_map(std::move(*map));
        }
        m_rules = std::move(*rules);
        m_diag.error(fmt::format("reloaded: {} rules", m_rules.rules().size()));
        write_self(m_reload_status.succeeded());
    }

    void reload_failed(const std::string& message) {
        m_diag.error(message);
        write_self(m_reload_status.failed(message));
    }

    void write_self(std::string_view line) {
        write_self_status(line, [this](std::string_view l) {
            if (!m_queue.push(l)) {
                ++m_counters.dropped;
            }
            m_queue.wake();
        });
    }

    void handle_batch(TrapSocket& sock, std::size_t count) {
        if (count == 0) {
            return;
        }
        double now = steady_now();
        double wall = wall_clock().now();
        for (std::size_t i = 0; i < count; ++i) {
            handle(sock, i, now, wall);
        }
        m_queue.wake();
    }

    void refuse(uint64_t& counter, const sockaddr_storage& peer, std::string_view reason) {
        ++counter;
        m_reports.report(fmt::format("packet from {} refused: {}", endpoint_text(peer), reason));
    }

    void handle(TrapSocket& sock, std::size_t i, double now, double wall) {
        ++m_counters.received;
        const sockaddr_storage& peer = sock.peer(i);
        m_peer = address_text(peer);
        if (!m_rate.allow(m_peer, now)) {
            ++m_counters.rate_limited;
            return;
        }
        if (sock.truncated(i)) {
            refuse(m_counters.malformed, peer, "larger than 64 KiB");
            return;
        }
        Refusal refusal = m_decoder.decode(sock.packet(i), m_trap, m_response, m_reason);
        if (refusal != Refusal::none) {
            uint64_t& counter = refusal == Refusal::malformed     ? m_counters.malformed
                                : refusal == Refusal::unsupported ? m_counters.unsupported
                                                                  : m_counters.not_traps;
            refuse(counter, peer, m_reason);
            return;
        }
        if (!m_options.communities.empty() &&
            (m_trap.community_hex || std::find(m_options.communities.begin(), m_options.communities.end(),
                                               *m_trap.community) == m_options.communities.end())) {
            ++m_counters.community_refused;
            return;
        }
        m_trap.peer = m_peer;
        m_trap.peer_port = address_port(peer);
        bool inform = m_trap.pdu == "inform";
        std::string source;
        if (inform) {
            source = endpoint_text(peer);
            if (m_window.seen(source, *m_trap.request_id, now)) {
                ++m_counters.duplicates;
                send_response(sock, peer);
                return;
            }
        }
        m_line.clear();
        append_event(m_trap, m_subjects.subject(m_trap.agent(), now), m_rules, wall, m_ids, m_line);
        if (!m_queue.push(m_line)) {
            // Unanswered, an inform is sent again: it may find room then.
            ++m_counters.dropped;
            return;
        }
        ++m_counters.emitted;
        if (inform) {
            m_window.record(source, *m_trap.request_id, now);
            ++m_counters.informs;
            send_response(sock, peer);
        }
    }

    void send_response(TrapSocket& sock, const sockaddr_storage& peer) {
        if (!sock.send(m_response, peer)) {
            ++m_counters.responses_failed;
        }
    }

    void emit_counters() {
        m_stats.emit([this](std::string_view line) {
            if (!m_queue.push(line)) {
                ++m_counters.dropped;
            }
        });
        m_queue.wake();
    }

    const ReceiverOptions& m_options;
    Sink& m_out;
    Diagnostics& m_diag;
    Reports m_reports;
    OutputQueue m_queue;
    InformWindow m_window;
    RateLimiter m_rate;
    RuleSet m_rules;
    Subjects m_subjects;
    Decoder m_decoder;
    IdGenerator m_ids;
    Stats m_stats{"evsrc-snmptrap"};
    ReloadStatus m_reload_status{"evsrc-snmptrap"};
    Counters m_counters;
    std::vector<TrapSocket> m_sockets;
    int m_wake = -1;
    // Reused for every packet: the steady state allocates little.
    Trap m_trap;
    std::string m_response;
    std::string m_reason;
    std::string m_peer;
    std::string m_line;
};

}  // namespace

Result<RuleSet> load_rule_set(const ReceiverOptions& options) {
    std::vector<Rule> rules;
    if (!options.rules_path.empty()) {
        auto loaded = load_rules(options.rules_path);
        if (!loaded) {
            return std::move(loaded).take_error();
        }
        rules = std::move(*loaded);
    }
    if (options.builtin_rules) {
        for (Rule& rule : builtin_rules()) {
            rules.push_back(std::move(rule));
        }
    }
    return RuleSet(std::move(rules));
}

int run_receiver(const ReceiverOptions& options, Sink& out, Diagnostics& diag) {
    Receiver receiver(options, out, diag);
    return receiver.run();
}

}  // namespace ev::snmptrap
