#include "route/destination.h"

#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <fmt/format.h>

#include "core/writer.h"
#include "route/callback.h"
#include "route/consumer.h"
#include "route/pipe_writer.h"
#include "route/process.h"

namespace ev::route {

double monotonic_now() {
    timespec ts{};
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) / 1e9;
}

QueuedDestination::QueuedDestination(DestSpec spec, Context& ctx)
    : Destination(std::move(spec), ctx), m_queue(ctx.queue_bytes), m_spool(ctx.spool_dir) {}

bool QueuedDestination::offer(std::string_view line) {
    // While the spool holds lines, new ones queue behind them to keep order.
    if (m_spool.active() || !m_queue.fits(line.size())) {
        return false;
    }
    m_queue.push(line);
    queued_one();
    return true;
}

void QueuedDestination::spill(std::string_view line) {
    if (auto done = m_spool.append(line); !done) {
        ++counters.dropped;
        m_ctx.diag->error(fmt::format("{}: {}; line dropped", m_label, done.error()));
        return;
    }
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
}

namespace {

// A file opened for appending; SIGHUP reopens it so logrotate works.
class FileDestination final : public Destination {
public:
    using Destination::Destination;
    ~FileDestination() override {
        if (m_out) {
            (void)m_out->flush();
        }
        close_fd(m_fd);
    }

    Result<void> start() override {
        auto fd = open_append(m_spec.path);
        if (!fd) {
            return make_error(fmt::format("cannot open {}", fd.error()));
        }
        m_fd = *fd;
        m_out = std::make_unique<Writer>(m_fd);
        return {};
    }

    bool offer(std::string_view line) override {
        m_out->write_line(line);
        ++counters.delivered;
        if (m_out->failed() && !m_reported) {
            m_reported = true;
            m_ctx.diag->error(fmt::format("{}: {}", m_label, m_out->error()));
        }
        return true;
    }

    void flush() override { (void)m_out->flush(); }

    void reopen() override {
        auto fd = open_append(m_spec.path);
        if (!fd) {
            m_ctx.diag->error(fmt::format("cannot reopen {}; still writing to the old file", fd.error()));
            return;
        }
        (void)m_out->reset_fd(*fd);
        close_fd(m_fd);
        m_fd = *fd;
        m_reported = false;
    }

private:
    int m_fd = -1;
    std::unique_ptr<Writer> m_out;
    bool m_reported = false;
};

// Standard output when it is a terminal or a regular file: plain buffered writes.
class StdoutFileDestination final : public Destination {
public:
    using Destination::Destination;
    ~StdoutFileDestination() override { (void)m_out.flush(); }
    bool offer(std::string_view line) override {
        m_out.write_line(line);
        ++counters.delivered;
        return true;
    }
    void flush() override { (void)m_out.flush(); }

private:
    Writer m_out{1};
};

// Discards what it is given, on purpose.
class DropDestination final : public Destination {
public:
    using Destination::Destination;
    bool offer(std::string_view) override {
        ++counters.dropped;
        return true;
    }
};

bool stdout_is_pipe() {
    struct stat st {};
    return ::fstat(1, &st) == 0 && (S_ISFIFO(st.st_mode) || S_ISSOCK(st.st_mode));
}

}  // namespace

std::unique_ptr<Destination> make_destination(const DestSpec& spec, Context& ctx) {
    switch (spec.kind) {
        case DestKind::file:
            return std::make_unique<FileDestination>(spec, ctx);
        case DestKind::fifo:
            return std::make_unique<FifoDestination>(spec, ctx);
        case DestKind::stdout_:
            if (stdout_is_pipe()) {
                return std::make_unique<StdoutPipeDestination>(spec, ctx);
            }
            return std::make_unique<StdoutFileDestination>(spec, ctx);
        case DestKind::consumer:
            return std::make_unique<ConsumerDestination>(spec, ctx);
        case DestKind::callback:
            return std::make_unique<CallbackDestination>(spec, ctx);
        case DestKind::drop:
            break;
    }
    return std::make_unique<DropDestination>(spec, ctx);
}

}  // namespace ev::route
