#include "graphite/graphite.h"

#include <poll.h>
#include <signal.h>

#include <fmt/format.h>

#include <algorithm>
#include <charconv>
#include <cmath>
#include <memory>

#include "core/duration.h"
#include "core/exit_code.h"
#include "core/signals.h"
#include "core/writer.h"
#include "graphite/datapoint.h"
#include "graphite/destination.h"
#include "graphite/link.h"
#include "graphite/outbox.h"
#include "graphite/ring.h"
#include "graphite/spool.h"
#include "graphite/template.h"

namespace ev::graphite {

namespace {

// Everything resolved from the options before any input is read.
struct Setup {
    PathTemplate path;
    std::vector<Destination> destinations;
    std::size_t buffer = 0;
    double drain = 0;
    LinkTiming timing;
};

// SIGUSR1 and SIGHUP are held blocked and taken here, so they never
// interrupt a read (a non-stop interruption would leave the reader blocked
// until the next input line) and counters still print on time.
class HeldSignals {
public:
    HeldSignals() {
        sigemptyset(&m_set);
        sigaddset(&m_set, SIGUSR1);
        sigaddset(&m_set, SIGHUP);
        pthread_sigmask(SIG_BLOCK, &m_set, &m_old);
    }
    ~HeldSignals() { pthread_sigmask(SIG_SETMASK, &m_old, nullptr); }
    HeldSignals(const HeldSignals&) = delete;
    HeldSignals& operator=(const HeldSignals&) = delete;

    /// True when SIGUSR1 arrived since the last call (SIGHUP is taken and ignored).
    bool take_stats() {
        bool stats = signals::take_stats();
        timespec zero{0, 0};
        int sig;
        while ((sig = sigtimedwait(&m_set, nullptr, &zero)) > 0) {
            stats = stats || sig == SIGUSR1;
        }
        return stats;
    }

private:
    sigset_t m_set;
    sigset_t m_old;
};

Result<Setup> resolve(const Options& options) {
    auto path = PathTemplate::parse(options.path_template);
    if (!path) {
        return std::move(path).take_error();
    }
    Setup setup{std::move(path).value(), {}, 0, 0, {}};
    std::vector<std::string> texts = options.destinations;
    if (texts.empty()) {
        texts.push_back("127.0.0.1:2003");
    }
    for (const std::string& text : texts) {
        auto dest = parse_destination(text);
        if (!dest) {
            return std::move(dest).take_error();
        }
        for (const Destination& other : setup.destinations) {
            if (other.host == dest->host && other.instance == dest->instance) {
                return make_error(
                    fmt::format("destination '{}': host {} with this instance is given twice (carbon "
                                "places series by host and instance)",
                                text, dest->host));
            }
        }
        setup.destinations.push_back(std::move(dest).value());
    }
    if (options.replication < 1) {
        return make_error("--replication must be at least 1");
    }
    auto buffer = parse_size(options.buffer_size);
    if (!buffer) {
        return make_error(fmt::format("--buffer-size: {}", buffer.error()));
    }
    setup.buffer = *buffer;
    struct Named {
        const char* name;
        const std::string& text;
        double& into;
    };
    Named durations[] = {{"--drain-timeout", options.drain_timeout, setup.drain},
                         {"--connect-timeout", options.connect_timeout, setup.timing.connect_timeout},
                         {"--reconnect-max", options.reconnect_max, setup.timing.backoff_max},
                         {"--resend-window", options.resend_window, setup.timing.keep}};
    for (Named& d : durations) {
        auto value = parse_duration(d.text);
        if (!value) {
            return make_error(fmt::format("{}: {}", d.name, value.error()));
        }
        d.into = *value;
    }
    setup.timing.backoff_min = std::min(setup.timing.backoff_min, setup.timing.backoff_max);
    return setup;
}

// The running tool: input, the ring, and one outbox and link per destination.
class Engine {
public:
    Engine(const Options& options, Setup setup, Diagnostics& diag, const Clock& clock, int out_fd)
        : m_options(options),
          m_setup(std::move(setup)),
          m_diag(diag),
          m_clock(clock),
          m_ring(m_setup.destinations),
          m_out(out_fd) {}

    int run();

private:
    Result<void> open_destinations();
    void handle(Record& record, Input& input);
    void pump_all();
    void wait_network(double seconds);
    double wait_hint();
    void make_room();
    void drain(double deadline);
    int persist();
    void print_counters();

    const Options& m_options;
    Setup m_setup;
    Diagnostics& m_diag;
    const Clock& m_clock;
    HashRing m_ring;
    Writer m_out;
    HeldSignals m_held;
    std::vector<std::unique_ptr<Spool>> m_spools;
    std::vector<std::unique_ptr<Outbox>> m_outboxes;
    std::vector<std::unique_ptr<Link>> m_links;
    std::vector<int> m_nodes;
    Datapoint m_point;
    std::string m_path;
    std::string m_line;
    std::size_t m_since_pump = 0;
    bool m_spool_failed = false;
    uint64_t m_events = 0;
    uint64_t m_datapoints = 0;
    uint64_t m_skipped = 0;
    uint64_t m_rejected = 0;  // events rejected by evgraphite's own checks
    const Input* m_input = nullptr;
};

Result<void> Engine::open_destinations() {
    for (const Destination& dest : m_setup.destinations) {
        Spool* spool = nullptr;
        if (!m_options.spool_dir.empty()) {
            auto opened = Spool::open(m_options.spool_dir + "/" + dest.spool_name(),
                                      [this](std::string_view message) { m_diag.error(message); });
            if (!opened) {
                return std::move(opened).take_error();
            }
            m_spools.push_back(std::move(opened).value());
            spool = m_spools.back().get();
        }
        m_outboxes.push_back(std::make_unique<Outbox>(m_setup.buffer, spool));
        m_outboxes.back()->adopt_spool();
        m_links.push_back(std::make_unique<Link>(dest, *m_outboxes.back(), m_setup.timing,
                                                 [this](std::string_view message) { m_diag.error(message); }));
    }
    return {};
}

void Engine::pump_all() {
    double now = m_clock.now();
    for (auto& link : m_links) {
        link->pump(now);
    }
    m_since_pump = 0;
}

double Engine::wait_hint() {
    double now = m_clock.now();
    double best = -1;
    for (auto& link : m_links) {
        double hint = link->wait_hint(now);
        if (hint >= 0 && (best < 0 || hint < best)) {
            best = hint;
        }
    }
    return best;
}

void Engine::wait_network(double seconds) {
    std::vector<pollfd> fds;
    for (auto& link : m_links) {
        short events = 0;
        int fd = link->poll_fd(events);
        if (fd >= 0) {
            fds.push_back(pollfd{fd, events, 0});
        }
    }
    int ms = static_cast<int>(std::ceil(std::clamp(seconds, 0.0, 1.0) * 1000));
    (void)signals::poll(fds.data(), fds.size(), ms);
}

void Engine::make_room() {
    // Over the memory bound: spill to the spool, or hold the input (back
    // pressure) until carbon takes enough.
    for (;;) {
        bool full = false;
        for (auto& box : m_outboxes) {
            if (box->full() && !m_spool_failed && !m_spools.empty()) {
                if (auto spilled = box->spill(false); !spilled) {
                    m_diag.error(
                        fmt::format("spool: {}; holding input until carbon takes the backlog", spilled.error()));
                    m_spool_failed = true;
                }
            }
            full = full || box->full();
        }
        if (!full || signals::stop_requested()) {
            return;
        }
        if (m_held.take_stats()) {
            print_counters();
        }
        double hint = wait_hint();
        wait_network(hint < 0 ? 0.05 : std::min(hint, 0.05));
        pump_all();
    }
}

void Engine::handle(Record& record, Input& input) {
    ++m_events;
    if (m_options.pass) {
        m_out.write_line(record.line);
    }
    extract_datapoint(record.root, m_clock, m_point);
    if (m_point.kind == Datapoint::Kind::skip) {
        ++m_skipped;
        return;
    }
    if (m_point.kind == Datapoint::Kind::bad) {
        ++m_rejected;
        input.reject(record, m_point.reason);
        return;
    }
    std::string_view problem = m_setup.path.render(
        record.root, m_options.prefix, m_options.reverse_subject ? SubjectDots::reverse : SubjectDots::replace, m_path);
    if (!problem.empty()) {
        ++m_rejected;
        input.reject(record, problem);
        return;
    }
    ++m_datapoints;
    m_line.clear();
    append_line(m_path, m_point, m_line);
    m_nodes.clear();
    m_ring.nodes_for(m_path, m_options.replication, m_options.diverse_replicas, m_nodes);
    for (int node : m_nodes) {
        if (m_options.dry_run) {
            std::string& buf = m_out.buffer();
            buf += m_setup.destinations[node].to_string();
            buf += ' ';
            buf.append(m_line, 0, m_line.size() - 1);
            m_out.end_line();
        } else {
            m_outboxes[node]->push(m_line, 1);
        }
    }
    m_since_pump += m_line.size();
    if (m_since_pump >= m_options.batch && !m_options.dry_run) {
        pump_all();
    }
}

// Delivers what is queued until deadline, or until one more stop signal
// arrives than had arrived when draining began.
void Engine::drain(double deadline) {
    for (auto& link : m_links) {
        link->set_keep(0);
    }
    int signals_at_start = signals::stop_count();
    for (;;) {
        pump_all();
        bool empty = std::all_of(m_outboxes.begin(), m_outboxes.end(), [](auto& box) { return box->empty(); });
        if (empty) {
            return;
        }
        double now = m_clock.now();
        if (now >= deadline || signals::stop_count() > signals_at_start) {
            return;
        }
        if (m_held.take_stats()) {
            print_counters();
        }
        double hint = wait_hint();
        wait_network(std::min({deadline - now, hint < 0 ? 0.02 : hint, 0.02}));
    }
}

int Engine::persist() {
    uint64_t lost = 0;
    for (std::size_t i = 0; i < m_outboxes.size(); ++i) {
        Outbox& box = *m_outboxes[i];
        m_links[i]->close();
        if (box.empty()) {
            continue;
        }
        std::string name = m_setup.destinations[i].to_string();
        if (!m_spools.empty()) {
            if (auto spilled = box.spill(true); !spilled) {
                m_diag.error(fmt::format("{}: spool: {}", name, spilled.error()));
            }
        }
        // Everything pending has a segment now, except what could not be
        // written: spilled earlier, left by an earlier run, or just now.
        uint64_t unspooled = box.unspooled();
        uint64_t kept = box.pending() - unspooled;
        if (kept > 0) {
            m_diag.error(fmt::format("{}: {} datapoints kept in the spool for the next run", name, kept));
        }
        if (unspooled > 0) {
            lost += unspooled;
            m_diag.error(fmt::format("{}: {} datapoints undelivered{}", name, unspooled,
                                     m_spools.empty() ? " (no --spool to keep them)" : ""));
        }
    }
    if (lost > 0) {
        return k_exit_undelivered;
    }
    // Segments that failed their check were reported one by one; they are
    // kept as .bad, but their datapoints were not delivered.
    bool bad = std::any_of(m_spools.begin(), m_spools.end(), [](auto& spool) { return spool->bad_segments() > 0; });
    return bad ? exit_code::k_io : exit_code::k_ok;
}

void Engine::print_counters() {
    // Rejected: lines the input refused (not JSON...) and events refused here.
    uint64_t rejected = m_input != nullptr ? m_input->rejected() : m_rejected;
    m_diag.error(
        fmt::format("events {}, datapoints {}, rejected {}, skipped {}", m_events, m_datapoints, rejected, m_skipped));
    if (m_options.dry_run) {
        return;
    }
    for (std::size_t i = 0; i < m_outboxes.size(); ++i) {
        const OutboxCounters& c = m_outboxes[i]->counters();
        m_diag.error(
            fmt::format("{}: queued {}, delivered {}, pending {}, spooled {}, replayed {}, resent {}, "
                        "failures {}",
                        m_setup.destinations[i].to_string(), c.queued, c.delivered, m_outboxes[i]->pending(), c.spooled,
                        c.replayed, c.resent, m_links[i]->failures()));
    }
}

int Engine::run() {
    if (!m_options.dry_run) {
        if (auto opened = open_destinations(); !opened) {
            m_diag.error(opened.error());
            return exit_code::k_io;
        }
    }
    Input input(m_options.input, m_diag);
    if (auto opened = input.open(); !opened) {
        m_diag.error(opened.error());
        return exit_code::k_io;
    }
    m_input = &input;
    input.set_idle([this] {
        (void)m_out.flush();
        if (!m_options.dry_run) {
            pump_all();
        }
    });
    if (!m_options.dry_run) {
        pump_all();
    }
    Record record;
    // Signals and timers are looked at every k_housekeeping records and
    // whenever the input waits: system calls per record would cost more
    // than the rest of the work.
    constexpr unsigned k_housekeeping = 1024;
    unsigned since_housekeeping = k_housekeeping;
    int timeout_ms = 0;
    for (;;) {
        if (!m_options.dry_run) {
            make_room();
        }
        if (++since_housekeeping >= k_housekeeping) {
            since_housekeeping = 0;
            if (m_held.take_stats()) {
                print_counters();
            }
            double hint = m_options.dry_run ? -1 : wait_hint();
            timeout_ms = hint < 0 ? 1000 : static_cast<int>(std::ceil(std::min(hint, 1.0) * 1000));
        }
        Input::Next next = input.next(record, timeout_ms);
        if (next == Input::Next::end) {
            break;
        }
        if (next == Input::Next::timeout) {
            if (!m_options.dry_run) {
                pump_all();
            }
            since_housekeeping = k_housekeeping;
            continue;
        }
        handle(record, input);
        if (m_out.broken() || m_out.failed()) {
            break;
        }
    }
    input.finish();
    (void)m_out.flush();
    int code = exit_code::k_ok;
    if (!m_options.dry_run) {
        drain(m_clock.now() + m_setup.drain);
        code = persist();
        print_counters();
    }
    m_input = nullptr;
    if (m_out.failed()) {
        m_diag.error(m_out.error());
        return exit_code::k_io;
    }
    if (input.fatal()) {
        return exit_code::k_bad_input;
    }
    if (input.io_failed()) {
        return exit_code::k_io;
    }
    return code;
}

}  // namespace

Result<std::size_t> parse_size(std::string_view text) {
    std::size_t value = 0;
    auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
    if (text.empty() || error != std::errc{}) {
        return make_error(fmt::format("'{}' is not a size (digits with K, M or G)", text));
    }
    std::string_view unit = text.substr(static_cast<std::size_t>(end - text.data()));
    int shift = 0;
    if (unit == "K" || unit == "k") {
        shift = 10;
    } else if (unit == "M" || unit == "m") {
        shift = 20;
    } else if (unit == "G" || unit == "g") {
        shift = 30;
    } else if (!unit.empty()) {
        return make_error(fmt::format("'{}' is not a size (digits with K, M or G)", text));
    }
    if (value > (SIZE_MAX >> shift)) {
        return make_error(fmt::format("'{}' is too large", text));
    }
    return value << shift;
}

int run(const Options& options, int out_fd, Diagnostics& diag, const Clock& clock) {
    auto setup = resolve(options);
    if (!setup) {
        diag.error(setup.error());
        return exit_code::k_usage;
    }
    Engine engine(options, std::move(setup).value(), diag, clock, out_fd);
    return engine.run();
}

}  // namespace ev::graphite
