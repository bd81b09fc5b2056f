// --stdin-snmptrapd: events from snmptrapd's traphandle input.
#include <unistd.h>

#include <fmt/format.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "core/clock.h"
#include "core/exit_code.h"
#include "core/id.h"
#include "snmptrap/event.h"
#include "snmptrap/receiver.h"
#include "snmptrap/traphandle.h"

namespace ev::snmptrap {

namespace {

// snmptrapd hands one trap to each traphandle run; more than this is not one.
constexpr std::size_t k_max_input = std::size_t{16} << 20;

}  // namespace

int run_snmptrapd_input(const ReceiverOptions& options, int fd, Sink& out, Diagnostics& diag) {
    auto rules = load_rule_set(options);
    if (!rules) {
        diag.error(rules.error());
        return exit_code::k_usage;
    }
    Subjects subjects;
    if (!options.map_path.empty()) {
        auto map = Subjects::load_map(options.map_path);
        if (!map) {
            diag.error(map.error());
            return exit_code::k_usage;
        }
        subjects.set_map(std::move(*map));
    }
    subjects.set_resolve(options.resolve);
    std::string input;
    char buf[65536];
    for (;;) {
        ssize_t n = ::read(fd, buf, sizeof buf);
        if (n < 0 && errno == EINTR) {
            continue;
        }
        if (n < 0) {
            diag.error(fmt::format("read failed: {}", std::strerror(errno)));
            return exit_code::k_io;
        }
        if (n == 0) {
            break;
        }
        input.append(buf, static_cast<std::size_t>(n));
        if (input.size() > k_max_input) {
            diag.error("input is larger than 16 MiB: not snmptrapd traphandle input");
            return exit_code::k_io;
        }
    }
    IdGenerator ids;
    std::string_view rest(input);
    uint64_t number = 0;
    std::string line;
    while (!rest.empty()) {
        // Several traps may be concatenated, separated by blank lines.
        std::size_t gap = rest.find("\n\n");
        std::string_view one = rest.substr(0, gap == std::string_view::npos ? rest.size() : gap + 1);
        rest = gap == std::string_view::npos ? std::string_view() : rest.substr(gap + 2);
        if (one.find_first_not_of("\r\n") == std::string_view::npos) {
            continue;
        }
        ++number;
        auto trap = parse_traphandle(one);
        if (!trap) {
            diag.error(fmt::format("trap {}: {}", number, trap.error()));
            continue;
        }
        if (!options.communities.empty() && trap->community &&
            std::find(options.communities.begin(), options.communities.end(), *trap->community) ==
                options.communities.end()) {
            continue;
        }
        line.clear();
        append_event(*trap, subjects.subject(trap->agent(), steady_now()), *rules, wall_clock().now(), ids, line);
        out.write_line(line);
    }
    if (!out.flush() && out.failed()) {
        diag.error(out.error());
        return exit_code::k_io;
    }
    return exit_code::k_ok;
}

}  // namespace ev::snmptrap
