#include "nagios/follow.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <fmt/format.h>

#include <cerrno>
#include <cmath>
#include <cstring>

#include "core/exit_code.h"
#include "core/id.h"
#include "core/signals.h"
#include "core/writer.h"
#include "nagios/perffile.h"
#include "nagios/runner.h"
#include "nagios/text.h"

namespace ev::nagios {

namespace {

// One followed file, like tail -F: reads to the end, then watches the path
// for a new file (rotation) or a shorter one (truncation).
struct Tail {
    std::string path;
    int fd = -1;
    dev_t dev = 0;
    ino_t ino = 0;
    off_t offset = 0;
    uint64_t line = 0;
    std::string partial;
    bool reported_missing = false;
};

class FileReader {
public:
    FileReader(const PerfFileOptions& options, Writer& out, Diagnostics& diag)
        : m_options(options), m_out(out), m_diag(diag) {}

    bool open(Tail& t, bool at_start) {
        if (t.path == "-" && !m_options.follow) {
            t.fd = ::dup(0);  // closed like a file afterwards; stdin itself stays
            return t.fd >= 0;
        }
        int fd = ::open(t.path.c_str(), O_RDONLY | O_CLOEXEC);
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
        t.offset = 0;
        t.line = 0;
        t.reported_missing = false;
        if (at_start && m_options.from_end) {
            t.offset = ::lseek(fd, 0, SEEK_END);
        }
        return true;
    }

    // Reads what is there; returns true when anything was read.
    bool read_available(Tail& t) {
        bool any = false;
        char chunk[65536];
        while (true) {
            ssize_t n = ::read(t.fd, chunk, sizeof chunk);
            if (n < 0 && errno == EINTR) {
                if (signals::stop_requested()) {
                    break;
                }
                continue;
            }
            if (n <= 0) {
                if (n < 0) {
                    m_diag.error(fmt::format("{}: {}", t.path, std::strerror(errno)));
                    m_io_failed = true;
                }
                break;
            }
            any = true;
            t.offset += n;
            std::string_view data(chunk, static_cast<std::size_t>(n));
            std::size_t begin = 0;
            while (true) {
                std::size_t nl = data.find('\n', begin);
                if (nl == std::string_view::npos) {
                    t.partial.append(data.substr(begin));
                    break;
                }
                if (t.partial.empty()) {
                    handle(t, data.substr(begin, nl - begin));
                } else {
                    t.partial.append(data.substr(begin, nl - begin));
                    handle(t, t.partial);
                    t.partial.clear();
                }
                begin = nl + 1;
            }
        }
        return any;
    }

    // A file's last line without a newline counts once the file is done with.
    void finish_partial(Tail& t) {
        if (!t.partial.empty()) {
            handle(t, t.partial);
            t.partial.clear();
        }
    }

    void handle(Tail& t, std::string_view text) {
        ++t.line;
        if (trim(text).empty()) {
            return;
        }
        auto line = parse_perf_line(text);
        if (!line) {
            m_diag.line_problem(t.path, t.line, line.error());
            ++m_rejected;
            return;
        }
        for (const std::string& problem : write_perf_line_events(*line, m_options.metrics, m_ids, m_out)) {
            m_diag.line_problem(t.path, t.line, problem);
        }
    }

    // tail -F's checks after reaching the end of the file.
    void check_rotation(Tail& t) {
        struct stat st {};
        if (::stat(t.path.c_str(), &st) != 0) {
            return;  // gone for now: keep the old descriptor until a new file appears
        }
        if (st.st_dev != t.dev || st.st_ino != t.ino) {
            read_available(t);  // the last words of the old file
            finish_partial(t);
            ::close(t.fd);
            t.fd = -1;
            open(t, false);
            return;
        }
        if (st.st_size < t.offset) {
            m_diag.error(fmt::format("{}: file truncated, reading from the start", t.path));
            ::lseek(t.fd, 0, SEEK_SET);
            t.offset = 0;
            t.partial.clear();
        }
    }

    int run() {
        std::vector<Tail> tails;
        for (const std::string& path : m_options.files) {
            Tail tail;
            tail.path = path;
            tails.push_back(std::move(tail));
        }
        if (!m_options.follow) {
            for (Tail& t : tails) {
                if (!open(t, true)) {
                    m_io_failed = true;
                    continue;
                }
                read_available(t);
                finish_partial(t);
                ::close(t.fd);
                (void)m_out.flush();
            }
            return done();
        }
        for (Tail& t : tails) {
            open(t, true);
        }
        double stop_at = m_options.run_for > 0 ? steady_now() + m_options.run_for : INFINITY;
        while (!signals::stop_requested() && !m_out.broken() && !m_out.failed() && steady_now() < stop_at) {
            for (Tail& t : tails) {
                if (t.fd < 0) {
                    open(t, false);
                }
                if (t.fd >= 0) {
                    read_available(t);
                    check_rotation(t);
                }
            }
            (void)m_out.flush();
            ::usleep(static_cast<useconds_t>(m_options.poll_interval * 1e6));
        }
        for (Tail& t : tails) {
            if (t.fd >= 0) {
                finish_partial(t);
                ::close(t.fd);
            }
        }
        return done();
    }

private:
    int done() {
        (void)m_out.flush();
        if (m_rejected > 0) {
            std::string msg = fmt::format("{} line{} rejected", m_rejected, m_rejected == 1 ? "" : "s");
            if (m_diag.suppressed() > 0) {
                msg += fmt::format(" ({} not shown)", m_diag.suppressed());
            }
            m_diag.error(msg);
        }
        if (m_out.failed()) {
            m_diag.error(m_out.error());
            return exit_code::k_io;
        }
        return m_io_failed ? exit_code::k_io : exit_code::k_ok;
    }

    const PerfFileOptions& m_options;
    Writer& m_out;
    Diagnostics& m_diag;
    IdGenerator m_ids;
    uint64_t m_rejected = 0;
    bool m_io_failed = false;
};

}  // namespace

int run_perffile(const PerfFileOptions& options, int out_fd, Diagnostics& diag) {
    Writer out(out_fd);
    FileReader reader(options, out, diag);
    return reader.run();
}

}  // namespace ev::nagios
