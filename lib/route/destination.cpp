#include "route/destination.h"

#include <fmt/format.h>

#include "route/callback.h"
#include "route/consumer.h"
#include "route/output.h"
#include "route/pipe_writer.h"

namespace ev::route {

Destination::Destination(DestSpec spec, Context& ctx)
    : m_spec(std::move(spec)), m_ctx(ctx), m_label(m_spec.label()), m_tag(ctx.next_tag++) {
    m_ctx.owners[m_tag] = this;
}

Destination::~Destination() {
    m_ctx.owners.erase(m_tag);
}

void Destination::spill(std::string_view line, uint64_t number) {
    ++counters.dropped;
}

void Destination::lose_all() {
    while (!m_numbers.empty()) {
        m_ctx.delivery->lost(m_numbers.pop());
    }
}

QueuedDestination::QueuedDestination(DestSpec spec, Context& ctx)
    : Destination(std::move(spec), ctx), m_queue(ctx.queue_bytes), m_spool(ctx.spool_dir) {}

bool QueuedDestination::offer(std::string_view line, uint64_t number) {
    // While the spool holds lines, new ones queue behind them to keep order.
    if (m_spool.active() || !m_queue.fits(line.size())) {
        return false;
    }
    m_queue.push(line);
    m_numbers.push(number);
    queued_one();
    return true;
}

void QueuedDestination::spill(std::string_view line, uint64_t number) {
    if (auto done = m_spool.append(line); !done) {
        ++counters.dropped;
        m_ctx.diag->error(fmt::format("{}: {}; line dropped", m_label, done.error()));
        return;
    }
    // Spooled lines come after every queued one: the numbers stay in order.
    m_numbers.push(number);
    ++counters.spilled;
}

void QueuedDestination::replay() {
    if (!m_spool.active()) {
        return;
    }
    if (auto done = m_spool.replay_into(m_queue); !done) {
        m_ctx.diag->error(fmt::format("{}: {}", m_label, done.error()));
    }
}

void QueuedDestination::lose_queue() {
    counters.lost += m_queue.clear() + m_spool.lines();
    m_spool.clear();
    lose_all();
}

namespace {

// Discards what it is given, on purpose.
class DropDestination final : public Destination {
public:
    using Destination::Destination;
    bool offer(std::string_view, uint64_t) override {
        ++counters.dropped;
        return true;
    }
};

}  // namespace

std::unique_ptr<Destination> make_destination(const DestSpec& spec, Context& ctx) {
    switch (spec.kind) {
        case DestKind::file:
            return std::make_unique<FileDestination>(spec, ctx);
        case DestKind::fifo:
            return std::make_unique<FifoDestination>(spec, ctx);
        case DestKind::stdout_:
            if (ctx.out_poll_fd >= 0) {
                return std::make_unique<StdoutPipeDestination>(spec, ctx);
            }
            return std::make_unique<StdoutDestination>(spec, ctx);
        case DestKind::consumer:
            return std::make_unique<ConsumerDestination>(spec, ctx);
        case DestKind::callback:
            return std::make_unique<CallbackDestination>(spec, ctx);
        case DestKind::kafka:
            return std::make_unique<KafkaDestination>(spec, ctx);
        case DestKind::drop:
            break;
    }
    return std::make_unique<DropDestination>(spec, ctx);
}

}  // namespace ev::route
