// Fuzzes the perfdata file reader (`evsrc-nagios perfdata`) end to end: any
// bytes, read as a file with a small line limit and small blocks, must give
// events that read back as JSON with a TIMET from 1970 to 9999, and
// diagnostics that are valid UTF-8 without control characters (bad input is
// quoted short and escaped), however long or strange the lines.
#include <sys/mman.h>
#include <unistd.h>

#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "core/diag.h"
#include "core/json.h"
#include "core/utf8.h"
#include "core/writer.h"
#include "nagios/follow.h"
#include "nagios/perffile.h"

namespace {

constexpr double k_timet_end = 253402300800.0;  // 10000-01-01T00:00:00Z

bool write_all(int fd, std::string_view bytes) {
    while (!bytes.empty()) {
        ssize_t n = ::write(fd, bytes.data(), bytes.size());
        if (n <= 0) {
            return false;
        }
        bytes.remove_prefix(static_cast<std::size_t>(n));
    }
    return true;
}

std::string read_all(int fd) {
    std::string out;
    char buf[65536];
    ::lseek(fd, 0, SEEK_SET);
    ssize_t n;
    while ((n = ::read(fd, buf, sizeof buf)) > 0) {
        out.append(buf, static_cast<std::size_t>(n));
    }
    return out;
}

void check_event(std::string_view line) {
    auto event = ev::parse_json(line);
    if (!event.ok()) {
        std::abort();  // the events we write must be valid JSON
    }
    const ev::Json* time = event->find("time");
    if (time == nullptr || !time->is_number() || !(time->as_number() >= 0 && time->as_number() < k_timet_end)) {
        std::abort();  // TIMET outside 1970..9999 must have been rejected
    }
}

void check_diagnostics(const std::string& text) {
    if (ev::sanitize_utf8(text) != text) {
        std::abort();
    }
    for (char c : text) {
        auto u = static_cast<unsigned char>(c);
        if ((u < 0x20 && c != '\n') || u == 0x7f) {
            std::abort();  // a control character reached the terminal
        }
    }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    std::string_view bytes(reinterpret_cast<const char*>(data), size);

    // The line parser alone: whatever it accepts has a time in range.
    auto line = ev::nagios::parse_perf_line(bytes);
    if (line.ok() && !(line->time >= 0 && line->time < k_timet_end)) {
        std::abort();
    }

    int in = ::memfd_create("perfdata", MFD_CLOEXEC);
    int out = ::memfd_create("events", MFD_CLOEXEC);
    if (in < 0 || out < 0 || !write_all(in, bytes)) {
        std::abort();
    }
    ev::nagios::PerfFileOptions options;
    options.files = {"/proc/self/fd/" + std::to_string(in)};
    options.max_line = 64 + size % 256;  // lines over the limit are common
    options.block = 1 + size % 97;
    options.metrics = size % 2 == 0;
    std::string diagnostics;
    ev::Diagnostics diag("evsrc-nagios", [&diagnostics](std::string_view t) { diagnostics += t; });
    int code = 0;
    {
        ev::Writer sink(out);
        code = ev::nagios::run_perffile(options, sink, diag);
    }
    if (code != 0) {
        std::abort();  // bad lines are rejected, never fatal without --strict
    }
    std::string events = read_all(out);
    for (std::size_t begin = 0, end; begin < events.size(); begin = end + 1) {
        end = events.find('\n', begin);
        if (end == std::string::npos) {
            std::abort();  // every event ends with a newline
        }
        check_event(std::string_view(events).substr(begin, end - begin));
    }
    check_diagnostics(diagnostics);
    ::close(in);
    ::close(out);
    return 0;
}
