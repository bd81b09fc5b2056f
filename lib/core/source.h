// Source: where a tool's input lines come from (files and stdin here, Kafka
// partitions later), each line with the Position that acknowledges it.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "core/diag.h"
#include "core/file_position.h"
#include "core/line_reader.h"
#include "core/sink.h"

namespace ev {

/// A stream of input lines in pieces as LineReader gives them.
class Source {
public:
    /// What next() produced.
    enum class Status {
        line,        ///< a complete line
        long_piece,  ///< a piece of a line over the limit; more follow
        long_end,    ///< the last piece of such a line
        timeout,     ///< nothing within the timeout, or a signal to act on arrived
        end,         ///< every stream ended, or input was stopped
    };

    /// One line or piece; views stay valid until the next call to next().
    struct Line {
        std::string_view bytes;    ///< without the newline; simdjson padding follows
        std::string_view stream;   ///< the stream's name for diagnostics ("-" is stdin)
        uint64_t number = 0;       ///< line number within the stream, from 1
        Position position;         ///< acknowledges this line and everything before it
        std::string_view problem;  ///< set when the source itself finds the line bad
    };

    virtual ~Source() = default;

    /// The next line or piece; timeout_ms < 0 waits for ever. Calls the idle
    /// callback before it would block.
    virtual Status next(Line& out, int timeout_ms) = 0;

    /// A descriptor that is readable when next() may have more, for tools
    /// that wait on several things in one loop; -1 when there is none.
    virtual int poll_fd() = 0;

    /// Everything up to and including position has durable outputs: the
    /// stream's low watermark may advance (a Kafka offset commit; nothing to
    /// do for files and pipes, whose state files record positions).
    virtual void commit(const Position& position) = 0;

    /// True when the input ends by itself once the stages before it end (a
    /// pipe): then the first Ctrl-C keeps reading, since the upstream stages
    /// got it too (see signals::set_drain_on_interrupt).
    virtual bool drains_on_interrupt() const = 0;

    /// True when a stream could not be opened or read (reported already).
    virtual bool io_failed() const = 0;

    /// True when lag() means something (Kafka): the counters then show it.
    virtual bool reports_lag() const { return false; }
    /// Messages behind the end of the owned partitions (0 when unknown).
    virtual uint64_t lag() { return 0; }

    /// Called whenever no input is ready, before waiting: the flush point.
    void set_idle(std::function<void()> idle) { m_idle = std::move(idle); }

protected:
    void idle() {
        if (m_idle) {
            m_idle();
        }
    }

private:
    std::function<void()> m_idle;
};

/// Files read in order, "-" being stdin; the stream id is the file's index.
/// A file that cannot be opened is reported and skipped.
class FileSource final : public Source {
public:
    FileSource(std::vector<std::string> files, std::size_t max_line, std::size_t block, Diagnostics& diag);
    ~FileSource() override;
    FileSource(const FileSource&) = delete;
    FileSource& operator=(const FileSource&) = delete;

    Status next(Line& out, int timeout_ms) override;
    int poll_fd() override;
    void commit(const Position&) override {}
    bool drains_on_interrupt() const override;
    bool io_failed() const override { return m_io_failed; }

    /// Positions a state file saved: a file opened later that is one of them
    /// (same_file) is read from its offset, any other from its beginning.
    /// Set before the first next().
    void resume_from(std::vector<FilePosition> saved) { m_saved = std::move(saved); }

    /// The positions to save: per regular file opened so far, its identity
    /// and applied(stream) (the offset after the last line the state covers;
    /// a negative value: nothing read from it since it was opened, so its
    /// resume offset), and, while files remain unopened, the saved positions
    /// no opened file matched (a file later in the list keeps its place).
    /// stdin, pipes and FIFOs have no position.
    template <typename Applied>
    std::vector<FilePosition> positions(Applied applied) const {
        std::vector<FilePosition> out;
        for (std::size_t i = 0; i < m_opened.size(); ++i) {
            if (m_opened[i].dev == 0 && m_opened[i].ino == 0) {
                continue;  // not a regular file
            }
            FilePosition p = m_opened[i];
            int64_t offset = applied(static_cast<uint32_t>(i));
            if (offset >= 0) {
                p.offset = static_cast<uint64_t>(offset);
            }
            out.push_back(std::move(p));
        }
        if (m_next < m_files.size()) {
            for (std::size_t i = 0; i < m_saved.size(); ++i) {
                if (i >= m_saved_used.size() || !m_saved_used[i]) {  // sized at the first open
                    out.push_back(m_saved[i]);
                }
            }
        }
        return out;
    }

private:
    bool open_next();
    void identify(int fd, const std::string& file);

    std::vector<std::string> m_files;
    std::size_t m_max_line;
    std::size_t m_block;
    Diagnostics& m_diag;
    std::unique_ptr<LineReader> m_reader;
    int m_fd = -1;
    std::size_t m_next = 0;
    uint64_t m_line = 0;
    bool m_in_long = false;
    bool m_io_failed = false;
    bool m_stopped = false;
    std::vector<FilePosition> m_saved;   // from the state file
    std::vector<bool> m_saved_used;      // matched by an opened file
    std::vector<FilePosition> m_opened;  // per stream index; dev = ino = 0: no position
};

}  // namespace ev
