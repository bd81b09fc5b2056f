#include "batch/group_state.h"

#include <fmt/format.h>

#include <cerrno>
#include <cmath>
#include <cstring>
#include <fstream>
#include <sstream>

#include "core/atomic_file.h"
#include "core/file_position.h"
#include "core/json.h"

namespace ev::batch {

namespace {

constexpr std::string_view k_version_key = "evbatch_group_state";

std::string_view clock_name(bool event_time) {
    return event_time ? "event" : "wall";
}

}  // namespace

Result<FileLock> lock_group_state(const std::string& path) {
    auto lock = FileLock::acquire(path + ".lock", false);
    if (!lock) {
        return make_error(fmt::format("{} is in use: {}", path, lock.error()));
    }
    return std::move(lock).value();
}

Result<GroupStateInfo> parse_group_state(std::string_view bytes, bool event_time, Grouper& grouper, double now) {
    simdjson::dom::parser parser;
    simdjson::dom::element root;
    if (parser.parse(bytes.data(), bytes.size()).get(root) != simdjson::SUCCESS) {
        return make_error("not a JSON state file");
    }
    simdjson::dom::object obj;
    int64_t version = 0;
    if (root.get_object().get(obj) != simdjson::SUCCESS ||
        obj[k_version_key].get_int64().get(version) != simdjson::SUCCESS) {
        return make_error(fmt::format("not an evbatch group state file (no \"{}\" version)", k_version_key));
    }
    if (version != k_group_state_version) {
        return make_error(fmt::format("state file version {} is not supported (this evbatch reads version {})", version,
                                      k_group_state_version));
    }
    std::string_view clock;
    if (obj["clock"].get_string().get(clock) != simdjson::SUCCESS || (clock != "wall" && clock != "event")) {
        return make_error("\"clock\" must be \"wall\" or \"event\"");
    }
    if (clock != clock_name(event_time)) {
        return make_error(
            fmt::format("saved with --clock {}, this run uses --clock {}", clock, clock_name(event_time)));
    }
    GroupStateInfo info;
    if (obj["now"].get_double().get(info.now) != simdjson::SUCCESS || !std::isfinite(info.now)) {
        return make_error("\"now\" must be a number");
    }
    // "positions" came later: a file without them is read from the start.
    simdjson::dom::element positions;
    if (obj["positions"].get(positions) == simdjson::SUCCESS) {
        auto decoded = decode_file_positions(simdjson::minify(positions));
        if (!decoded) {
            return make_error(decoded.error());
        }
        info.positions = std::move(decoded).value();
    }
    simdjson::dom::element groups;
    if (obj["groups"].get(groups) != simdjson::SUCCESS) {
        return make_error("no \"groups\"");
    }
    // On event time a passed timer fires at the next event past it, and the
    // ticks it missed run at their own times, as without the stop.
    if (auto read = event_time ? grouper.read_state(groups) : grouper.read_state(groups, now); !read) {
        return make_error(read.error());
    }
    info.loaded = true;
    return info;
}

Result<GroupStateInfo> load_group_state(const std::string& path, bool event_time, Grouper& grouper, double now) {
    // Saves cut short (kill -9) leave their temporary behind: clear them.
    remove_stale_temps(path);
    std::ifstream in(path, std::ios::binary);
    if (!in) {
        if (errno == ENOENT) {
            return GroupStateInfo{};
        }
        return make_error(fmt::format("{}: {}", path, std::strerror(errno)));
    }
    std::ostringstream bytes;
    bytes << in.rdbuf();
    if (in.bad()) {
        return make_error(fmt::format("{}: read error", path));
    }
    auto parsed = parse_group_state(bytes.str(), event_time, grouper, now);
    if (!parsed) {
        return make_error(fmt::format("{}: {}", path, parsed.error()));
    }
    return parsed;
}

std::string encode_group_state(const Grouper& grouper, bool event_time, double now,
                               const std::vector<FilePosition>& positions) {
    std::string out = fmt::format("{{\"{}\":{},\"clock\":\"{}\",\"now\":", k_version_key, k_group_state_version,
                                  clock_name(event_time));
    write_number(now, out);
    out += ",\"groups\":";
    grouper.write_state(out);
    out += ",\"positions\":";
    encode_file_positions(positions, out);
    out += "}\n";
    return out;
}

Result<void> save_group_state(const std::string& path, std::string_view bytes) {
    if (auto written = atomic_write(path, bytes, k_private_file_mode); !written) {
        return make_error(fmt::format("cannot save state to {}", written.error()));
    }
    return {};
}

}  // namespace ev::batch
