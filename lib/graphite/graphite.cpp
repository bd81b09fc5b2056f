#include "graphite/graphite.h"

#include <poll.h>

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <deque>
#include <memory>

#include "core/ack.h"
#include "core/clock.h"
#include "core/exit_code.h"
#include "core/notify.h"
#include "core/signals.h"
#include "core/stats.h"
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
    setup.buffer = options.buffer_size;
    setup.drain = options.drain_timeout;
    setup.timing.connect_timeout = options.connect_timeout;
    setup.timing.backoff_max = options.reconnect_max;
    setup.timing.keep = options.resend_window;
    setup.timing.backoff_min = std::min(setup.timing.backoff_min, setup.timing.backoff_max);
    return setup;
}

// The running tool: input, the ring, and one outbox and link per destination.
//
// Acknowledgement: every event read gets a number (m_seq), and the lines it
// makes carry that number into the outboxes. Events are acknowledged in
// groups (a run of events of one input stream, closed at least every
// k_housekeeping events and at every pump), each group holding one
// AckTracker ticket: it completes once every outbox is durable past the
// group's last event (Outbox::first_not_durable) and the output holds
// every line the group wrote to it (Sink::durable).
class Engine {
public:
    Engine(const Options& options, Setup setup, Input& input, Sink& out, Diagnostics& diag, const Clock& clock)
        : m_options(options),
          m_setup(std::move(setup)),
          m_input(input),
          m_out(out),
          m_diag(diag),
          m_clock(clock),
          m_ring(m_setup.destinations),
          m_writes_output(options.pass || options.dry_run) {
        for (const Destination& dest : m_setup.destinations) {
            m_names.push_back(dest.to_string() + ' ');
        }
    }

    int run();

private:
    // An acknowledgement group: events up to last, which wrote up to output
    // line sink_ticket.
    struct Group {
        uint64_t last;
        uint64_t sink_ticket;
        AckTracker::Ticket ticket;
    };

    Result<void> open_destinations();
    void handle(Record& record);
    void pump_all();
    void wait(int input_fd, int timeout_ms);
    double wait_hint();
    int wait_ms();
    void make_room();
    void drain(double deadline);
    int persist();
    void print_counters();
    void housekeeping();
    void register_stats();
    void emit_stats();
    bool flush_out();
    bool output_over() const { return m_out.ended() || m_out.failed(); }
    void close_group();
    void settle();

    const Options& m_options;
    Setup m_setup;
    Input& m_input;
    Sink& m_out;
    Diagnostics& m_diag;
    const Clock& m_clock;
    HashRing m_ring;
    Stats m_stats{"evgraphite"};
    bool m_writes_output;              // --pass or --dry-run: events cause lines on the output
    std::vector<std::string> m_names;  // "HOST:PORT[:INSTANCE] " per destination, for --dry-run
    std::vector<std::unique_ptr<Spool>> m_spools;
    std::vector<std::unique_ptr<Outbox>> m_outboxes;
    std::vector<std::unique_ptr<Link>> m_links;
    std::vector<int> m_nodes;
    std::vector<pollfd> m_fds;
    Datapoint m_point;
    std::string m_path;
    std::string m_line;
    std::size_t m_since_pump = 0;
    bool m_room_low = false;  // an outbox may be over its memory bound: see make_room()
    bool m_spool_failed = false;
    uint64_t m_events = 0;
    uint64_t m_datapoints = 0;
    uint64_t m_skipped = 0;
    // Acknowledgement.
    AckTracker m_acks;
    std::deque<Group> m_groups;
    std::vector<Position> m_advanced;
    uint64_t m_seq = 0;         // number of the last event read
    uint64_t m_open_count = 0;  // events in the group not closed yet
    Position m_open;            // position of its last event
};

// Signals, counters and acknowledgements are looked at every k_housekeeping
// events and whenever the input waits: system calls per event would cost
// more than the rest of the work.
constexpr unsigned k_housekeeping = 1024;

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

void Engine::close_group() {
    if (m_open_count == 0) {
        return;
    }
    m_groups.push_back(Group{m_seq, m_out.ticket(), m_acks.begin(m_open)});
    m_open_count = 0;
}

void Engine::settle() {
    close_group();
    uint64_t durable = UINT64_MAX;  // every event before this is durable everywhere
    for (auto& box : m_outboxes) {
        durable = std::min(durable, box->first_not_durable());
    }
    uint64_t written = m_out.durable();
    bool completed = false;
    while (!m_groups.empty() && m_groups.front().last < durable && m_groups.front().sink_ticket <= written) {
        m_acks.complete(m_groups.front().ticket);
        m_groups.pop_front();
        completed = true;
    }
    if (!completed) {
        return;
    }
    m_advanced.clear();
    m_acks.take_advanced(m_advanced);
    for (const Position& position : m_advanced) {
        m_input.acknowledge(position);
    }
}

void Engine::pump_all() {
    double now = steady_now();
    for (auto& link : m_links) {
        link->pump(now);
    }
    m_since_pump = 0;
    // Replayed segments take memory too.
    m_room_low = true;
    settle();
}

double Engine::wait_hint() {
    double now = steady_now();
    double best = -1;
    for (auto& link : m_links) {
        double hint = link->wait_hint(now);
        if (hint >= 0 && (best < 0 || hint < best)) {
            best = hint;
        }
    }
    return best;
}

int Engine::wait_ms() {
    double hint = m_options.dry_run ? -1 : wait_hint();
    return hint < 0 ? 1000 : static_cast<int>(std::ceil(std::min(hint, 1.0) * 1000));
}

// Waits up to timeout_ms for input (input_fd, -1 for none), a connection or
// a signal: the one wait of the engine, through the signal regime.
void Engine::wait(int input_fd, int timeout_ms) {
    m_fds.clear();
    if (input_fd >= 0) {
        m_fds.push_back(pollfd{input_fd, POLLIN, 0});
    }
    for (auto& link : m_links) {
        short events = 0;
        int fd = link->poll_fd(events);
        if (fd >= 0) {
            m_fds.push_back(pollfd{fd, events, 0});
        }
    }
    (void)signals::poll(m_fds.data(), m_fds.size(), timeout_ms);
}

void Engine::housekeeping() {
    signals::check();
    if (signals::take_stats()) {
        print_counters();
    }
    if (m_stats.due()) {
        emit_stats();
    }
    settle();
}

bool Engine::flush_out() {
    // A failed flush is an ended output (EPIPE: reading stops, exit 0) or a
    // failed one (reported at exit, exit 4); nothing after it is acknowledged.
    return m_out.flush().ok();
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
        m_room_low = full;
        if (!full || signals::stop_requested()) {
            return;
        }
        if (signals::take_stats()) {
            print_counters();
        }
        double hint = wait_hint();
        wait(-1, static_cast<int>(std::ceil((hint < 0 ? 0.05 : std::min(hint, 0.05)) * 1000)));
        pump_all();
    }
}

void Engine::handle(Record& record) {
    // A group holds positions of one stream (closed before this event counts).
    if (m_open_count > 0 && record.position.stream != m_open.stream) {
        close_group();
    }
    ++m_events;
    ++m_seq;
    m_open = record.position;
    ++m_open_count;
    if (m_options.pass) {
        m_out.write_line(record.line);
    }
    extract_datapoint(record.root, m_clock, m_point);
    if (m_point.kind == Datapoint::Kind::skip) {
        ++m_skipped;
        return;
    }
    if (m_point.kind == Datapoint::Kind::bad) {
        m_input.reject(record, m_point.reason);
        return;
    }
    std::string_view problem = m_setup.path.render(
        record.root, m_options.prefix, m_options.reverse_subject ? SubjectDots::reverse : SubjectDots::replace, m_path);
    if (!problem.empty()) {
        m_input.reject(record, problem);
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
            buf += m_names[node];
            buf.append(m_line, 0, m_line.size() - 1);
            m_out.end_line();
        } else {
            Outbox& box = *m_outboxes[node];
            box.push(m_line, 1, m_seq);
            m_room_low = m_room_low || box.full();
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
        double now = steady_now();
        if (now >= deadline || signals::stop_count() > signals_at_start) {
            return;
        }
        if (signals::take_stats()) {
            print_counters();
        }
        // Acknowledgements raise no poll event: look again every 20 ms.
        double hint = wait_hint();
        double seconds = std::min({deadline - now, hint < 0 ? 0.02 : hint, 0.02});
        wait(-1, static_cast<int>(std::ceil(std::max(seconds, 0.0) * 1000)));
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

void Engine::register_stats() {
    add_input_counters(m_stats, m_input);
    m_stats.add("events", m_events);
    m_stats.add("datapoints", m_datapoints);
    m_stats.add("skipped", m_skipped);
    if (m_options.dry_run) {
        return;
    }
    for (std::size_t i = 0; i < m_outboxes.size(); ++i) {
        std::string base = "destination." + metric_word(m_setup.destinations[i].to_string());
        const OutboxCounters& c = m_outboxes[i]->counters();
        Outbox* box = m_outboxes[i].get();
        Link* link = m_links[i].get();
        m_stats.add(base + ".queued", c.queued);
        m_stats.add(base + ".delivered", c.delivered);
        m_stats.add(base + ".pending", [box] { return static_cast<uint64_t>(box->pending()); });
        m_stats.add(base + ".spooled", c.spooled);
        m_stats.add(base + ".replayed", c.replayed);
        m_stats.add(base + ".resent", c.resent);
        m_stats.add(base + ".failures", [link] { return link->failures(); });
    }
}

void Engine::emit_stats() {
    // Metric events on stdout (evgraphite's event output) or --self-to:
    // never into carbon behind the operator's back.
    m_stats.emit([this](std::string_view line) { m_out.write_line(line); });
}

void Engine::print_counters() {
    // Rejected: lines the input refused (not JSON...) and events refused here.
    m_diag.error(fmt::format("events {}, datapoints {}, rejected {}, skipped {}", m_events, m_datapoints,
                             m_input.rejected(), m_skipped));
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
    if (auto opened = m_input.open(); !opened) {
        m_diag.error(opened.error());
        return exit_code::k_io;
    }
    // The input calls this before it would wait: the output's flush point.
    m_input.set_idle([this] { (void)flush_out(); });
    if (!m_options.dry_run) {
        pump_all();
    }
    register_stats();
    m_stats.start(m_options.stats_interval);
    notify::ready();
    Record record;
    unsigned since_housekeeping = 0;
    for (;;) {
        if (m_room_low) {
            make_room();
        }
        if (++since_housekeeping >= k_housekeeping) {
            since_housekeeping = 0;
            housekeeping();
            // Looked at here, not per event: a closed output ends the
            // reading as a stop does, after the events already taken.
            if (m_writes_output && output_over()) {
                break;
            }
        }
        // Never blocks: when nothing is ready, the engine waits on the input
        // and the connections together.
        Input::Next next = m_input.next(record, 0);
        if (next == Input::Next::timeout) {
            if (output_over()) {
                break;
            }
            if (!m_options.dry_run) {
                pump_all();
            }
            housekeeping();
            since_housekeeping = 0;
            int fd = m_input.poll_fd();
            if (fd >= 0) {
                wait(fd, wait_ms());
                continue;
            }
            // A source without a descriptor waits in next() itself.
            next = m_input.next(record, wait_ms());
            if (next == Input::Next::timeout) {
                continue;
            }
        }
        if (next == Input::Next::end) {
            break;
        }
        handle(record);
    }
    notify::stopping();
    m_input.finish();
    (void)flush_out();
    int code = exit_code::k_ok;
    if (!m_options.dry_run) {
        drain(steady_now() + m_setup.drain);
        code = persist();
    }
    if (m_stats.enabled()) {
        emit_stats();  // the same counters once at exit, after the drain
        (void)flush_out();
    }
    // What was delivered, spooled or written is acknowledged; what was
    // left undelivered is not.
    settle();
    if (!m_options.dry_run) {
        print_counters();
    }
    if (auto code = ending_exit_code(m_input, m_out, m_diag)) {
        return *code;
    }
    return code;
}

}  // namespace

int run(const Options& options, Input& input, Sink& out, Diagnostics& diag, const Clock& clock) {
    auto setup = resolve(options);
    if (!setup) {
        diag.error(setup.error());
        return exit_code::k_usage;
    }
    Engine engine(options, std::move(setup).value(), input, out, diag, clock);
    return engine.run();
}

}  // namespace ev::graphite
