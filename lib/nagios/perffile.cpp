#include "nagios/perffile.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <fmt/format.h>

#include <cerrno>
#include <cmath>
#include <cstring>

#include "core/exit_code.h"
#include "core/signals.h"
#include "nagios/event.h"
#include "nagios/number.h"
#include "nagios/perfdata.h"
#include "nagios/runner.h"
#include "nagios/text.h"

namespace ev::nagios {

namespace {

std::vector<std::string_view> split_tabs(std::string_view line) {
    std::vector<std::string_view> out;
    std::size_t begin = 0;
    while (true) {
        std::size_t tab = line.find('\t', begin);
        if (tab == std::string_view::npos) {
            out.push_back(line.substr(begin));
            return out;
        }
        out.push_back(line.substr(begin, tab - begin));
        begin = tab + 1;
    }
}

Result<double> parse_timet(std::string_view text) {
    auto t = parse_number(text);
    if (!t || *t < 0) {
        return make_error(fmt::format("bad TIMET '{}'", valid_utf8(text)));
    }
    return *t;
}

Result<PerfLine> parse_pnp(const std::vector<std::string_view>& parts) {
    PerfLine line;
    std::string datatype;
    bool have_time = false;
    std::string state_text;
    for (std::string_view part : parts) {
        std::size_t sep = part.find("::");
        if (sep == std::string_view::npos) {
            return make_error(fmt::format("field '{}' is not KEY::VALUE", valid_utf8(part)));
        }
        std::string key = valid_utf8(part.substr(0, sep));
        std::string value = valid_utf8(part.substr(sep + 2));
        if (key == "DATATYPE") {
            datatype = value;
        } else if (key == "TIMET") {
            auto t = parse_timet(value);
            if (!t) {
                return std::move(t).take_error();
            }
            line.time = *t;
            have_time = true;
        } else if (key == "HOSTNAME") {
            line.host = value;
        } else if (key == "SERVICEDESC") {
            line.service = value;
        }
        line.fields.emplace_back(std::move(key), std::move(value));
    }
    if (datatype != "SERVICEPERFDATA" && datatype != "HOSTPERFDATA") {
        return make_error(datatype.empty() ? "no DATATYPE field" : fmt::format("unknown DATATYPE '{}'", datatype));
    }
    bool host = datatype == "HOSTPERFDATA";
    // Fields may come in any order: pick the ones of this DATATYPE.
    for (const auto& [k, v] : line.fields) {
        if (k == (host ? "HOSTPERFDATA" : "SERVICEPERFDATA")) {
            line.perfdata = v;
        } else if (k == (host ? "HOSTOUTPUT" : "SERVICEOUTPUT")) {
            line.output = v;
        } else if (k == (host ? "HOSTSTATE" : "SERVICESTATE")) {
            state_text = v;
        }
    }
    if (!have_time) {
        return make_error("no TIMET field");
    }
    if (line.host.empty()) {
        return make_error("no HOSTNAME field");
    }
    if (host) {
        line.service = "host";
    } else if (line.service.empty()) {
        return make_error("no SERVICEDESC field");
    }
    if (!state_text.empty()) {
        line.state = parse_nagios_state(state_text, host);
        if (!line.state) {
            return make_error(fmt::format("unknown state '{}'", state_text));
        }
    }
    return line;
}

Result<PerfLine> parse_positional(const std::vector<std::string_view>& parts) {
    PerfLine line;
    bool host = parts[0] == "[HOSTPERFDATA]";
    std::size_t want = host ? 6 : 8;
    if (parts.size() != want) {
        return make_error(fmt::format("{} has {} fields, expected {}", parts[0], parts.size(), want));
    }
    auto t = parse_timet(parts[1]);
    if (!t) {
        return std::move(t).take_error();
    }
    line.time = *t;
    line.host = valid_utf8(parts[2]);
    if (line.host.empty()) {
        return make_error("empty host name");
    }
    if (host) {
        line.service = "host";
        line.output = valid_utf8(parts[4]);
        line.perfdata = std::string(parts[5]);
    } else {
        line.service = valid_utf8(parts[3]);
        if (line.service.empty()) {
            return make_error("empty service description");
        }
        line.output = valid_utf8(parts[6]);
        line.perfdata = std::string(parts[7]);
    }
    return line;
}

}  // namespace

std::optional<State> parse_nagios_state(std::string_view text, bool host) {
    if (host) {
        if (text == "UP" || text == "0") {
            return State::ok;
        }
        if (text == "DOWN" || text == "UNREACHABLE" || text == "1" || text == "2") {
            return State::critical;
        }
        return std::nullopt;
    }
    if (text == "OK" || text == "0") {
        return State::ok;
    }
    if (text == "WARNING" || text == "1") {
        return State::warning;
    }
    if (text == "CRITICAL" || text == "2") {
        return State::critical;
    }
    if (text == "UNKNOWN" || text == "3") {
        return State::unknown;
    }
    return std::nullopt;
}

Result<PerfLine> parse_perf_line(std::string_view line) {
    if (!line.empty() && line.back() == '\r') {
        line.remove_suffix(1);
    }
    std::vector<std::string_view> parts = split_tabs(line);
    if (parts[0] == "[SERVICEPERFDATA]" || parts[0] == "[HOSTPERFDATA]") {
        return parse_positional(parts);
    }
    if (parts[0].find("::") != std::string_view::npos) {
        return parse_pnp(parts);
    }
    return make_error("neither a PNP4Nagios KEY::VALUE line nor a [SERVICEPERFDATA]/[HOSTPERFDATA] line");
}

std::vector<std::string> write_perf_line_events(const PerfLine& line, bool metrics, IdGenerator& ids, Writer& out) {
    Perfdata perf = parse_perfdata(line.perfdata);
    CheckInfo check;
    check.name = line.service;
    check.subject = line.host;
    if (line.state) {
        Json event = Json::object();
        event.set("id", ids.next());
        event.set("time", line.time);
        event.set("type", "status");
        event.set("subject", line.host);
        event.set("name", line.service);
        event.set("state", state_name(*line.state));
        event.set("severity", severity_of(*line.state));
        if (!perf.items.empty() && perf.items.front().value) {
            event.set("metric", *perf.items.front().value);
            if (!perf.items.front().unit.empty()) {
                event.set("unit", valid_utf8(perf.items.front().unit));
            }
        }
        if (!line.output.empty()) {
            event.set("message", line.output);
        }
        event.set("source", "nagios");
        Json data = Json::object();
        Json items = Json::array();
        for (const PerfItem& item : perf.items) {
            items.push_back(perf_item_json(item));
        }
        data.set("perfdata", std::move(items));
        Json fields = Json::object();
        for (const auto& [k, v] : line.fields) {
            fields.set(k, v);
        }
        data.set("fields", std::move(fields));
        event.set("data", std::move(data));
        write_canonical(event, out.buffer());
        out.end_line();
    }
    if (metrics) {
        for (const PerfItem& item : perf.items) {
            write_metric_event(check, item, line.time, ids, out);
        }
    }
    return perf.problems;
}

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
