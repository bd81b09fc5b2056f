#include "nagios/follow.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <fmt/format.h>

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstring>
#include <memory>

#include "core/exit_code.h"
#include "core/id.h"
#include "core/line_reader.h"
#include "core/signals.h"
#include "core/writer.h"
#include "nagios/perffile.h"
#include "nagios/runner.h"
#include "nagios/text.h"

namespace ev::nagios {

namespace {

// Rejected bytes go out in blocks of this size, so an over-long line never
// sits in memory whole on its way to the rejects file.
constexpr std::size_t k_rejects_flush = std::size_t{1} << 18;

// One file, read once or followed like tail -F: read to the end, then watch
// the path for a new file (rotation) or a shorter one (truncation).
//
// Lines are cut by the suite's LineReader, so --max-line holds as in every
// other tool: an over-long line arrives in bounded pieces and is rejected,
// and reading resumes at the next newline. A file read to its end makes the
// reader hand out a last line without a newline: a followed file may still
// be writing it, so such a line is not taken but read again, with what
// follows it, by a new reader the next time the file has grown.
struct Tail {
    std::string path;
    int fd = -1;
    dev_t dev = 0;
    ino_t ino = 0;
    bool regular = false;  // a regular file: it can be read again from an offset
    off_t resume = 0;      // file offset after the last line taken (or discarded)
    uint64_t line = 0;
    bool reported_missing = false;
    std::unique_ptr<LineReader> reader;
    off_t reader_start = 0;  // file offset the reader began at
    bool in_long = false;    // inside an over-long line (its pieces go to the rejects)
};

class FileReader {
public:
    FileReader(const PerfFileOptions& options, Sink& out, Diagnostics& diag)
        : m_options(options), m_out(out), m_diag(diag) {}

    ~FileReader() {
        m_rejects.reset();
        if (m_rejects_fd >= 0) {
            ::close(m_rejects_fd);
        }
    }

    int run() {
        if (!m_options.rejects_path.empty()) {
            auto fd = open_append(m_options.rejects_path);
            if (!fd) {
                m_diag.error(fmt::format("cannot open rejects file {}", fd.error()));
                return exit_code::k_usage;
            }
            m_rejects_fd = *fd;
            m_rejects = std::make_unique<Writer>(m_rejects_fd);
        }
        std::vector<Tail> tails(m_options.files.size());
        for (std::size_t i = 0; i < tails.size(); ++i) {
            tails[i].path = m_options.files[i];
        }
        if (!m_options.follow) {
            // Like every filter: reading a pipe, the first Ctrl-C lets the
            // stages before us end the input (see signals.h).
            struct stat st {};
            signals::set_drain_on_interrupt(std::find(m_options.files.begin(), m_options.files.end(), "-") !=
                                                m_options.files.end() &&
                                            ::fstat(0, &st) == 0 && (S_ISFIFO(st.st_mode) || S_ISSOCK(st.st_mode)));
            for (Tail& t : tails) {
                if (stopped()) {
                    break;
                }
                if (!open(t, true)) {
                    m_io_failed = true;
                    continue;
                }
                read_lines(t, true);
                close_file(t);
                flush();
            }
            return done();
        }
        for (Tail& t : tails) {
            open(t, true);
        }
        double stop_at = m_options.run_for > 0 ? steady_now() + m_options.run_for : INFINITY;
        while (!stopped() && steady_now() < stop_at) {
            for (Tail& t : tails) {
                if (t.fd < 0) {
                    open(t, false);
                }
                if (t.fd >= 0) {
                    read_lines(t, false);
                    check_rotation(t);
                }
            }
            flush();
            double left = std::min(m_options.poll_interval, stop_at - steady_now());
            signals::sleep_ms(static_cast<int>(std::ceil(std::max(0.0, left) * 1000)));
        }
        for (Tail& t : tails) {
            if (t.fd >= 0) {
                close_file(t);  // a line still being written is left unread
            }
        }
        return done();
    }

private:
    bool stopped() const { return m_fatal || m_out.ended() || m_out.failed() || signals::stop_requested_now(); }

    bool open(Tail& t, bool at_start) {
        int fd = -1;
        if (t.path == "-" && !m_options.follow) {
            fd = ::dup(0);  // closed like a file afterwards; stdin itself stays
        } else {
            fd = ::open(t.path.c_str(), O_RDONLY | O_CLOEXEC);
        }
        if (fd < 0) {
            if (!t.reported_missing) {
                m_diag.error(
                    fmt::format("{}: {}{}", t.path, std::strerror(errno), m_options.follow ? " (waiting for it)" : ""));
                t.reported_missing = true;
            }
            return false;
        }
        struct stat st {};
        ::fstat(fd, &st);
        t.fd = fd;
        t.dev = st.st_dev;
        t.ino = st.st_ino;
        t.regular = S_ISREG(st.st_mode);
        t.resume = at_start && m_options.from_end ? ::lseek(fd, 0, SEEK_END) : 0;
        t.line = 0;
        t.in_long = false;
        t.reported_missing = false;
        return true;
    }

    void close_file(Tail& t) {
        t.reader.reset();
        ::close(t.fd);
        t.fd = -1;
    }

    // Takes the lines the file holds now. With `last`, the file is done with
    // (read once, or rotated away): its last line counts without a newline,
    // as it does at the end of a FIFO or pipe, which cannot be read again.
    void read_lines(Tail& t, bool last) {
        if (!t.reader) {
            struct stat st {};
            if (!last && t.regular && ::fstat(t.fd, &st) == 0 && st.st_size <= t.resume) {
                return;  // nothing new
            }
            if (t.regular && ::lseek(t.fd, t.resume, SEEK_SET) != t.resume) {
                m_diag.error(fmt::format("{}: seek failed: {}", t.path, std::strerror(errno)));
                m_io_failed = true;
                return;
            }
            t.reader = std::make_unique<LineReader>(t.fd, m_options.max_line, m_options.block);
            t.reader->set_interrupt([] { return signals::stop_requested_now(); });
            t.reader->set_idle([this] { flush(); });  // a pipe with nothing more for now: latency
            t.reader_start = t.resume;
        }
        const bool whole = last || !t.regular;  // take a last line without a newline
        std::string_view text;
        while (!m_fatal && !m_out.ended()) {
            uint64_t before = t.reader->offset();
            LineReader::Status status = t.reader->next(text, last && !m_options.follow ? -1 : 0);
            off_t after = t.reader_start + static_cast<off_t>(t.reader->offset());
            // A line or last piece ends with the newline the reader consumed
            // after it; without one it is what the file holds so far.
            uint64_t used = t.reader->offset() - before;
            bool ended = used > 0 && text.data()[used - 1] == '\n';
            switch (status) {
                case LineReader::Status::line:
                    if (!ended && !whole) {
                        t.resume = t.reader_start + static_cast<off_t>(before);  // read it again when it is whole
                        t.reader.reset();
                        return;
                    }
                    t.resume = after;
                    if (t.in_long) {
                        end_long(t, text);
                    } else {
                        ++t.line;
                        handle(t, text);
                    }
                    break;
                case LineReader::Status::long_piece:
                    start_long(t);
                    reject_piece(text);
                    t.resume = after;
                    break;
                case LineReader::Status::long_end:
                    t.resume = after;
                    if (!ended && !whole) {
                        start_long(t);  // the rest of it is still to come
                        reject_piece(text);
                        t.reader.reset();
                        return;
                    }
                    start_long(t);
                    end_long(t, text);
                    break;
                case LineReader::Status::timeout:
                    return;  // a FIFO with nothing more for now
                case LineReader::Status::end:
                    t.resume = after;
                    t.reader.reset();
                    return;
                case LineReader::Status::error:
                    m_diag.error(fmt::format("{}: read failed: {}", t.path == "-" ? "stdin" : t.path,
                                             std::strerror(t.reader->errno_value())));
                    m_io_failed = true;
                    t.reader.reset();
                    return;
            }
        }
    }

    void start_long(Tail& t) {
        if (!t.in_long) {
            ++t.line;
            t.in_long = true;
        }
    }

    void end_long(Tail& t, std::string_view last_piece) {
        t.in_long = false;
        reject(t, last_piece, fmt::format("line longer than {} bytes", m_options.max_line));
    }

    void handle(Tail& t, std::string_view text) {
        if (trim(text).empty()) {
            return;
        }
        auto line = parse_perf_line(text);
        if (!line) {
            reject(t, text, line.error());
            return;
        }
        for (const std::string& problem : write_perf_line_events(*line, m_options.metrics, m_ids, m_out)) {
            m_diag.line_problem(t.path, t.line, problem);
        }
    }

    void reject_piece(std::string_view bytes) {
        if (m_rejects) {
            m_rejects->buffer().append(bytes);
            if (m_rejects->buffer().size() >= k_rejects_flush) {
                (void)m_rejects->flush();
            }
        }
    }

    // A bad line: counted, reported (rate-limited) and written verbatim to
    // the rejects file; with --strict it ends the run.
    void reject(const Tail& t, std::string_view bytes, std::string_view reason) {
        if (m_rejects) {
            m_rejects->buffer().append(bytes);
            m_rejects->end_line();
        }
        ++m_rejected;
        if (m_options.strict) {
            m_fatal = true;
            m_diag.error(t.path == "-" ? fmt::format("line {}: {}", t.line, reason)
                                       : fmt::format("{}: line {}: {}", t.path, t.line, reason));
            return;
        }
        m_diag.line_problem(t.path, t.line, reason);
    }

    // tail -F's checks after reaching the end of the file.
    void check_rotation(Tail& t) {
        struct stat st {};
        if (::stat(t.path.c_str(), &st) != 0) {
            return;  // gone for now: keep the old descriptor until a new file appears
        }
        if (st.st_dev != t.dev || st.st_ino != t.ino) {
            read_lines(t, true);  // the last words of the old file
            close_file(t);
            open(t, false);
            return;
        }
        if (t.regular && st.st_size < t.resume) {
            m_diag.error(fmt::format("{}: file truncated, reading from the start", t.path));
            t.reader.reset();
            t.resume = 0;
            t.line = 0;
            t.in_long = false;
        }
    }

    // Pushes the events and the rejected lines out; a failed event flush
    // shows in m_out.ended()/failed(), which stopped() and done() read.
    void flush() {
        (void)m_out.flush();
        if (m_rejects) {
            (void)m_rejects->flush();
        }
    }

    int done() {
        flush();
        if (m_rejected > 0 && !m_fatal) {
            std::string msg = fmt::format("{} line{} rejected", m_rejected, m_rejected == 1 ? "" : "s");
            if (m_diag.suppressed() > 0) {
                msg += fmt::format(" ({} not shown)", m_diag.suppressed());
            }
            if (!m_options.rejects_path.empty()) {
                msg += fmt::format(", written to {}", m_options.rejects_path);
            }
            m_diag.error(msg);
        }
        if (m_out.failed()) {
            m_diag.error(m_out.error());
            return exit_code::k_io;
        }
        if (m_fatal) {
            return exit_code::k_bad_input;
        }
        return m_io_failed ? exit_code::k_io : exit_code::k_ok;
    }

    const PerfFileOptions& m_options;
    Sink& m_out;
    Diagnostics& m_diag;
    IdGenerator m_ids;
    std::unique_ptr<Writer> m_rejects;
    int m_rejects_fd = -1;
    uint64_t m_rejected = 0;
    bool m_fatal = false;
    bool m_io_failed = false;
};

}  // namespace

int run_perffile(const PerfFileOptions& options, Sink& out, Diagnostics& diag) {
    FileReader reader(options, out, diag);
    return reader.run();
}

}  // namespace ev::nagios
