#include "route/output.h"

#include <limits.h>
#include <poll.h>
#include <unistd.h>

#include <algorithm>

#include <fmt/format.h>

#include "core/kafka_sink.h"
#include "core/signals.h"
#include "core/spawn.h"

namespace ev::route {

namespace {
// Below this many unsent bytes, writing waits for the next idle moment or poll.
constexpr std::size_t k_eager_bytes = std::size_t{1} << 16;
}  // namespace

void SinkDestination::attach(Sink* sink) {
    m_sink = sink;
    m_seen = sink->ticket();
    m_reported = false;
    m_gone = sink->ended() || sink->failed();
}

bool SinkDestination::offer(std::string_view line, uint64_t number) {
    if (m_gone) {
        ++counters.lost;
        m_ctx.delivery->lost(number);
        return true;
    }
    m_numbers.push(number);
    m_sink->write_line(line);
    // Most lines only join the buffer; a full one was flushed on the way
    // (a failure then shows at the next flush()).
    if (m_sink->durable() != m_seen) {
        settle();
    }
    return true;
}

void SinkDestination::flush() {
    if (m_gone) {
        return;
    }
    if (m_sink->ended() || m_sink->failed()) {
        settle();
        return;
    }
    if (m_sink->ticket() == m_sink->durable()) {
        return;
    }
    // A failed flush leaves its reason in the sink: settle() reports it.
    (void)m_sink->flush();
    settle();
}

void SinkDestination::settle() {
    uint64_t durable = m_sink->durable();
    if (durable > m_seen) {
        counters.delivered += durable - m_seen;
        complete(durable - m_seen);
        m_seen = durable;
    }
    if (m_sink->ended() || m_sink->failed()) {
        give_up();
    }
}

void SinkDestination::give_up() {
    m_gone = true;
    // What the sink held beyond its last durable line went with the output.
    counters.lost += m_numbers.size();
    lose_all();
    m_seen = m_sink->ticket();
    if (m_reported) {
        return;
    }
    m_reported = true;
    if (m_sink->failed()) {
        m_ctx.output_failed = true;
        m_ctx.diag->error(fmt::format("{}: {}", m_label, m_sink->error()));
    } else {
        on_ended();
    }
}

FileDestination::~FileDestination() {
    if (m_out) {
        (void)m_out->flush();
    }
    close_fd(m_fd);
}

Result<void> FileDestination::start() {
    auto fd = open_append(m_spec.path);
    if (!fd) {
        return make_error(fmt::format("cannot open {}", fd.error()));
    }
    m_fd = *fd;
    m_out = std::make_unique<Writer>(m_fd);
    attach(m_out.get());
    return {};
}

Result<void> KafkaDestination::start() {
    if (m_ctx.kafka == nullptr) {
        return make_error("kafka destinations need the tool's Kafka options");
    }
    auto sink = KafkaSink::open(*m_ctx.kafka, m_spec.path, {}, *m_ctx.diag);
    if (!sink) {
        return make_error(fmt::format("{}: {}", label(), sink.error()));
    }
    m_producer = std::move(sink).value();
    attach(m_producer.get());
    return {};
}

void KafkaDestination::want(std::vector<pollfd>& fds) const {
    if (m_producer) {
        fds.push_back(pollfd{m_producer->poll_fd(), POLLIN, 0});
    }
}

void KafkaDestination::service(double) {
    if (m_producer) {
        m_producer->service();
        settle();
    }
}

void FileDestination::reopen() {
    auto fd = open_append(m_spec.path);
    if (!fd) {
        m_ctx.diag->error(fmt::format("cannot reopen {}; still writing to the old file", fd.error()));
        return;
    }
    flush();
    // A new Writer: a failure on the old file does not follow to the new one.
    m_out = std::make_unique<Writer>(*fd);
    close_fd(m_fd);
    m_fd = *fd;
    attach(m_out.get());
}

Result<void> StdoutDestination::start() {
    attach(m_ctx.out);
    return {};
}

void StdoutDestination::on_ended() {
    // The reader of our output has gone: stop quietly, as every evkit tool does.
    signals::request_stop();
}

bool StdoutPipeDestination::offer(std::string_view line, uint64_t number) {
    if (m_ended) {
        ++counters.lost;
        m_ctx.delivery->lost(number);
        return true;
    }
    return QueuedDestination::offer(line, number);
}

void StdoutPipeDestination::want(std::vector<pollfd>& fds) const {
    // Unsent bytes and a writable pipe mean work: the write either empties
    // the queue or fills the pipe, so this never spins.
    if (!m_ended && !m_queue.empty()) {
        fds.push_back(pollfd{m_ctx.out_poll_fd, POLLOUT, 0});
    }
}

void StdoutPipeDestination::queued_one() {
    if (m_queue.unsent().size() >= k_eager_bytes) {
        write_some();
    }
}

void StdoutPipeDestination::write_some() {
    replay();
    Sink& sink = *m_ctx.out;
    while (!m_ended && !m_queue.empty()) {
        pollfd pfd{m_ctx.out_poll_fd, POLLOUT, 0};
        if (::poll(&pfd, 1, 0) <= 0) {
            return;  // full: the next POLLOUT brings us back
        }
        // A pipe that polls writable takes PIPE_BUF bytes without blocking;
        // one whose reader has gone fails at once, whatever the size.
        std::string_view bytes = m_queue.unsent();
        std::size_t budget = (pfd.revents & (POLLERR | POLLHUP)) != 0 ? bytes.size() : PIPE_BUF;
        std::size_t taken = 0;
        while (taken < bytes.size()) {
            std::size_t nl = bytes.find('\n', taken);
            if (nl != std::string_view::npos && nl + 1 <= budget) {
                sink.buffer().append(bytes.substr(taken, nl - taken));
                sink.end_line();
                taken = nl + 1;
                continue;
            }
            if (taken == 0) {
                // A line longer than the budget goes out in pieces.
                taken = std::min(budget, bytes.size());
                sink.buffer().append(bytes.substr(0, taken));
            }
            break;
        }
        if (auto flushed = sink.flush(); !flushed) {
            fail(flushed.error());
            return;
        }
        m_queue.mark_sent(taken);
        uint64_t released = m_queue.release(0);
        counters.delivered += released;
        complete(released);
        replay();
    }
}

void StdoutPipeDestination::fail(const std::string& why) {
    m_ended = true;
    lose_queue();
    if (m_ctx.out->ended()) {
        // The reader of our output has gone: stop quietly, as every evkit tool does.
        signals::request_stop();
        return;
    }
    m_ctx.output_failed = true;
    m_ctx.diag->error(fmt::format("{}: {}", m_label, why));
}

}  // namespace ev::route
