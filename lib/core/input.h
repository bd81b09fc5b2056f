// Input: the events of a tool's Source (files, stdin, later Kafka), parsed
// and checked under the shared bad-input policy.
#pragma once

#include <simdjson.h>

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/diag.h"
#include "core/fields.h"
#include "core/kafka_config.h"
#include "core/result.h"
#include "core/sink.h"
#include "core/source.h"
#include "core/writer.h"

namespace ev {

/// Options every event-reading tool shares.
struct InputOptions {
    std::vector<std::string> files;  ///< empty or "-" means stdin
    std::size_t max_line = std::size_t{1} << 20;
    std::string rejects_path;                  ///< bad lines are appended here verbatim
    bool strict = false;                       ///< the first bad line is fatal
    std::size_t block = std::size_t{1} << 20;  ///< read size (small in tests and fuzzing)
    std::string from;                          ///< --from kafka:TOPIC[,TOPIC...] instead of files
    KafkaOptions kafka;                        ///< brokers, group and properties for --from/--to
};

/// One parsed input event; views stay valid until the next call to next().
struct Record {
    std::string_view line;        ///< the raw bytes, without the newline
    std::string_view file;        ///< "-" for stdin
    uint64_t number = 0;          ///< line number within file, from 1
    simdjson::dom::element root;  ///< the event, a JSON object
    ReadFields fields;            ///< where root's read fields are (none twice)
    Position position;            ///< for acknowledgement after durable output
};

/// Reads events from a Source (by default the files in order). Invalid lines (not JSON, not an
/// object, not UTF-8, too long) are counted, reported and written to the
/// rejects file; valid lines around them are never lost.
class Input final : public Acknowledger {
public:
    /// What next() produced.
    enum class Next { record, timeout, end };

    /// Reads the files the options name (stdin when none).
    Input(InputOptions options, Diagnostics& diag);
    /// Reads another source (Kafka, tests) under the same policy.
    Input(InputOptions options, Diagnostics& diag, std::unique_ptr<Source> source);
    ~Input() override;

    /// Opens the rejects file, if any, and chooses the Ctrl-C policy from the
    /// source. Input files open lazily, in order.
    Result<void> open();

    /// The next valid event. timeout_ms < 0 waits for ever.
    Next next(Record& out, int timeout_ms = -1);

    /// Keeps the previous record's root and fields valid until the call
    /// after next (two parsers take turns), so an engine can read one event
    /// while it finishes the one before (to prefetch its table slot). The
    /// previous line's bytes may still move. Set before the first next().
    void keep_previous() { m_keep_previous = true; }

    /// Rejects a record for a tool's own reason (a status without a subject...).
    void reject(const Record& record, std::string_view reason);

    /// Called whenever no input is ready: flush outputs there.
    void set_idle(std::function<void()> idle) { m_idle = std::move(idle); }

    /// Everything up to position has durable outputs: commits it to the
    /// source (nothing to do for files and pipes; Kafka commits offsets).
    void acknowledge(const Position& position) override { m_source->commit(position); }

    /// The source read (a tool that saves positions asks it for them).
    Source& source() { return *m_source; }

    /// A descriptor readable when next() may have more (-1: call next()).
    int poll_fd() { return m_source->poll_fd(); }

    /// The source's lag, for the counters (Kafka; see Source::lag).
    bool reports_lag() const { return m_source->reports_lag(); }
    uint64_t lag() { return m_source->lag(); }

    /// Flushes the rejects file and prints a summary of rejected lines.
    void finish();

    uint64_t records() const { return m_records; }
    uint64_t rejected() const { return m_rejected; }
    /// True when --strict stopped the input at a bad line.
    bool fatal() const { return m_fatal; }
    /// True when an input file could not be opened or read.
    bool io_failed() const { return m_source->io_failed(); }

private:
    void reject_line(const Source::Line& line, bool complete, std::string_view reason);
    void on_idle();

    InputOptions m_options;
    Diagnostics& m_diag;
    std::unique_ptr<Source> m_source;
    simdjson::dom::parser m_parsers[2];
    int m_turn = 0;  // the parser of the next line (always 0 unless keep_previous)
    bool m_keep_previous = false;
    std::unique_ptr<Sink> m_rejects;  // a file (Writer) or a dead-letter topic
    int m_rejects_fd = -1;
    uint64_t m_records = 0;
    uint64_t m_rejected = 0;
    bool m_fatal = false;
    bool m_done = false;
    std::function<void()> m_idle;
};

/// The exit code the way a run ended imposes, whatever the engine decided:
/// output failed (reported here) or an input unreadable is 4, --strict
/// stopping at a bad line is 3; nothing when input and output ended well.
std::optional<int> ending_exit_code(const Input& input, const Sink& out, Diagnostics& diag);

}  // namespace ev
