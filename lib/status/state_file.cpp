#include "status/state_file.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cmath>
#include <cstring>

#include <fmt/format.h>
#include <simdjson.h>

#include "core/atomic_file.h"
#include "core/json.h"
#include "core/state.h"
#include "status/flap.h"

namespace ev::status {

namespace {

void put_number(std::string& out, std::string_view key, double value) {
    out += ",\"";
    out += key;
    out += "\":";
    write_number(value, out);
}

void put_string(std::string& out, std::string_view key, std::string_view value) {
    out += ",\"";
    out += key;
    out += "\":";
    json_escape_to(value, out);
}

void put_bool(std::string& out, std::string_view key, bool value) {
    out += ",\"";
    out += key;
    out += "\":";
    out += value ? "true" : "false";
}

// Reads the fields of one JSON object line, checking each one.
class LineFields {
public:
    LineFields(simdjson::dom::object object, std::string& error) : m_object(object), m_error(error) {}

    bool number(const char* key, double& out) {
        simdjson::dom::element e;
        if (!get(key, e)) {
            return false;
        }
        double d = 0;
        if (e.is_int64()) {
            d = static_cast<double>(e.get_int64().value_unsafe());
        } else if (e.is_double()) {
            d = e.get_double().value_unsafe();
        } else if (e.is_uint64()) {
            d = static_cast<double>(e.get_uint64().value_unsafe());
        } else {
            return fail(key, "is not a number");
        }
        if (!std::isfinite(d)) {
            return fail(key, "is not finite");
        }
        out = d;
        return true;
    }

    bool integer(const char* key, int64_t low, int64_t high, int64_t& out) {
        simdjson::dom::element e;
        if (!get(key, e)) {
            return false;
        }
        if (!e.is_int64() || e.get_int64().value_unsafe() < low || e.get_int64().value_unsafe() > high) {
            return fail(key, fmt::format("is not an integer in {}..{}", low, high));
        }
        out = e.get_int64().value_unsafe();
        return true;
    }

    bool string(const char* key, std::string_view& out) {
        simdjson::dom::element e;
        if (!get(key, e)) {
            return false;
        }
        if (!e.is_string()) {
            return fail(key, "is not a string");
        }
        out = e.get_string().value_unsafe();
        return true;
    }

    bool state(const char* key, State& out) {
        std::string_view text;
        if (!string(key, text)) {
            return false;
        }
        auto s = parse_state(text);
        if (!s) {
            return fail(key, "is not a state name");
        }
        out = *s;
        return true;
    }

    bool boolean(const char* key, bool& out) {
        simdjson::dom::element e;
        if (!get(key, e)) {
            return false;
        }
        if (!e.is_bool()) {
            return fail(key, "is not true or false");
        }
        out = e.get_bool().value_unsafe();
        return true;
    }

private:
    bool get(const char* key, simdjson::dom::element& out) {
        if (m_object[key].get(out) != simdjson::SUCCESS) {
            m_error = fmt::format("missing field \"{}\"", key);
            return false;
        }
        return true;
    }
    bool fail(const char* key, std::string_view what) {
        m_error = fmt::format("field \"{}\" {}", key, what);
        return false;
    }

    simdjson::dom::object m_object;
    std::string& m_error;
};

// Appends the canonical JSON of key's value when present; false (with the
// error) never: any JSON value is a message or tags.
void read_value(simdjson::dom::object object, const char* key, std::string& out) {
    simdjson::dom::element e;
    if (object[key].get(e) == simdjson::SUCCESS) {
        write_canonical_nested(e, out);
    }
}

bool read_identity(simdjson::dom::object object, int version, SavedIdentity& out, std::string& error) {
    LineFields f(object, error);
    std::string_view subject, name;
    double ttl = 0, deadline = 0;
    int64_t soft = 0, flap = 0;
    bool flapping = false, expired = false;
    IdentityState& s = out.state;
    if (!f.string("subject", subject) || !f.string("name", name) || !f.state("state", s.state) ||
        !f.state("raw", s.raw) || !f.number("since", s.since) || !f.number("seen", s.seen) || !f.number("ttl", ttl) ||
        !f.number("deadline", deadline) || !f.integer("soft", 0, 255, soft) ||
        !f.integer("flap", 0, static_cast<int64_t>(k_flap_mask), flap) || !f.boolean("flapping", flapping) ||
        !f.boolean("expired", expired)) {
        return false;
    }
    if (subject.empty() || name.empty()) {
        error = "empty subject or name";
        return false;
    }
    if (ttl < 0 || deadline < 0) {
        error = "negative ttl or deadline";
        return false;
    }
    out.subject = subject;
    out.name = name;
    s.ttl = ttl;
    s.deadline = deadline;
    s.soft = static_cast<uint8_t>(soft);
    s.flap = static_cast<uint32_t>(flap);
    s.flags =
        static_cast<uint8_t>((flapping ? IdentityState::k_flapping : 0) | (expired ? IdentityState::k_expired : 0));
    if (version == 1) {
        // Version 1 recorded every result: its history ends at the last one.
        s.flap_last = s.raw;
        return true;
    }
    if (!f.state("flap_last", s.flap_last)) {
        return false;
    }
    read_value(object, "message", out.message);
    read_value(object, "tags", out.tags);
    return true;
}

}  // namespace

void encode_state(const IdentityTable& table, ClockKind clock, double time, std::string& out, const RecentIds* recent,
                  std::string_view positions) {
    auto entries = table.sorted();
    out += fmt::format("{{\"evstatus_state\":{},\"clock\":\"{}\"", k_state_version,
                       clock == ClockKind::event ? "event" : "wall");
    put_number(out, "time", time);
    out += fmt::format(",\"count\":{},\"positions\":{}", entries.size(), positions);
    if (recent != nullptr && recent->size() > 0) {
        out += ",\"recent_ids\":\"";
        recent->encode(out);
        out += '"';
    }
    out += "}\n";
    for (const IdentityEntry* entry : entries) {
        const IdentityState& s = entry->state;
        out += "{\"subject\":";
        json_escape_to(entry->subject(), out);
        put_string(out, "name", entry->name());
        put_string(out, "state", state_name(s.state));
        put_string(out, "raw", state_name(s.raw));
        put_number(out, "since", s.since);
        put_number(out, "seen", s.seen);
        put_number(out, "ttl", s.ttl);
        put_number(out, "deadline", s.deadline);
        out += fmt::format(",\"soft\":{},\"flap\":{}", s.soft, s.flap);
        put_string(out, "flap_last", state_name(s.flap_last));
        put_bool(out, "flapping", s.flapping());
        put_bool(out, "expired", s.expired());
        if (entry->message != nullptr) {
            out += ",\"message\":";
            out += entry->message->text();
        }
        if (entry->tags != nullptr) {
            out += ",\"tags\":";
            out += entry->tags->text();
        }
        out += "}\n";
    }
}

Result<Snapshot> decode_state(std::string_view text) {
    simdjson::padded_string padded(text);
    simdjson::dom::parser parser;
    Snapshot snapshot;
    std::size_t pos = 0;
    uint64_t line_no = 0;
    int64_t count = -1;
    std::string error;
    IdentityTable seen;  // to find identities listed twice
    bool inserted = false;
    auto fail = [&](std::string_view why) { return make_error(fmt::format("line {}: {}", line_no, why)); };
    while (pos < text.size()) {
        std::size_t end = text.find('\n', pos);
        if (end == std::string_view::npos) {
            ++line_no;
            return fail("unfinished last line (the file is truncated)");
        }
        ++line_no;
        std::string_view line = text.substr(pos, end - pos);
        simdjson::dom::element root;
        // The padded buffer keeps readable bytes after every line, as simdjson needs.
        if (parser.parse(padded.data() + pos, line.size(), false).get(root) != simdjson::SUCCESS || !root.is_object()) {
            return fail("not a JSON object");
        }
        pos = end + 1;
        simdjson::dom::object object = root.get_object().value_unsafe();
        if (line_no == 1) {
            LineFields f(object, error);
            int64_t version = 0;
            std::string_view clock;
            if (!f.integer("evstatus_state", 0, INT32_MAX, version)) {
                return fail(fmt::format("not an evstatus state file header ({})", error));
            }
            if (version != 1 && version != k_state_version) {
                return fail(
                    fmt::format("state file version {} is not supported (expected 1 or {})", version, k_state_version));
            }
            snapshot.version = static_cast<int>(version);
            if (version >= 2) {
                simdjson::dom::element positions;
                if (object["positions"].get(positions) != simdjson::SUCCESS) {
                    return fail("missing field \"positions\"");
                }
                if (!positions.is_array()) {
                    return fail("field \"positions\" is not an array");
                }
                snapshot.positions.clear();
                write_canonical_nested(positions, snapshot.positions);
            }
            if (!f.string("clock", clock) || !f.number("time", snapshot.time) ||
                !f.integer("count", 0, INT64_MAX, count)) {
                return fail(error);
            }
            if (simdjson::dom::element recent; object["recent_ids"].get(recent) == simdjson::SUCCESS) {
                std::string_view hex;
                RecentIds check(0);  // keeps nothing: only checks the text
                if (recent.get_string().get(hex) != simdjson::SUCCESS) {
                    return fail("field \"recent_ids\" is not a string");
                }
                if (auto checked = check.decode(hex); !checked) {
                    return fail(checked.error());
                }
                snapshot.recent_ids = hex;
            }
            if (clock == "event") {
                snapshot.clock = ClockKind::event;
            } else if (clock == "wall") {
                snapshot.clock = ClockKind::wall;
            } else {
                return fail("field \"clock\" is not wall or event");
            }
            continue;
        }
        SavedIdentity identity;
        if (!read_identity(object, snapshot.version, identity, error)) {
            return fail(error);
        }
        if (seen.find(identity.subject, identity.name) != nullptr) {
            return fail("identity listed twice");
        }
        if (snapshot.identities.size() >= static_cast<uint64_t>(count)) {
            return fail(fmt::format("more identities than the header's count {}", count));
        }
        seen.get(identity.subject, identity.name, IdentityState{}, inserted);
        snapshot.identities.push_back(std::move(identity));
    }
    if (line_no == 0) {
        return make_error("empty file (no header)");
    }
    if (snapshot.identities.size() != static_cast<uint64_t>(count)) {
        return make_error(fmt::format("holds {} identities, the header says {} (the file is truncated)",
                                      snapshot.identities.size(), count));
    }
    return snapshot;
}

Result<std::optional<Snapshot>> load_state_file(const std::string& path) {
    // The state file is a regular file, never read through a symbolic link
    // (it could not be saved there either); O_NONBLOCK: a FIFO must not hang.
    int fd = ::open(path.c_str(), O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
    if (fd < 0) {
        if (errno == ENOENT) {
            return std::optional<Snapshot>{};
        }
        if (errno == ELOOP) {
            return make_error(fmt::format("state file {} is a symbolic link (give the path of the file itself)", path));
        }
        return make_error(fmt::format("state file {}: {}", path, std::strerror(errno)));
    }
    struct stat st {};
    if (::fstat(fd, &st) == 0 && !S_ISREG(st.st_mode) && !S_ISDIR(st.st_mode)) {
        ::close(fd);
        return make_error(fmt::format("state file {} is not a regular file", path));
    }
    std::string text;
    char buf[1 << 16];
    for (;;) {
        ssize_t n = ::read(fd, buf, sizeof buf);
        if (n == 0) {
            break;
        }
        if (n < 0) {
            if (errno == EINTR) {
                continue;
            }
            int e = errno;
            ::close(fd);
            return make_error(fmt::format("state file {}: {}", path, std::strerror(e)));
        }
        text.append(buf, static_cast<std::size_t>(n));
    }
    ::close(fd);
    auto snapshot = decode_state(text);
    if (!snapshot) {
        return make_error(fmt::format("state file {} is corrupt: {}", path, snapshot.error()));
    }
    return std::optional<Snapshot>(std::move(snapshot).value());
}

Result<Snapshot> load_saved_state(const std::string& path) {
    auto loaded = load_state_file(path);
    if (!loaded) {
        return make_error(loaded.error());
    }
    if (!*loaded) {
        return make_error(fmt::format("state file {}: No such file or directory", path));
    }
    return std::move(**loaded);
}

Result<void> save_state_file(const std::string& path, std::string_view bytes) {
    // Saves cut short (kill -9) leave their temporary behind: clear them.
    remove_stale_temps(path);
    if (auto written = atomic_write(path, bytes, k_private_file_mode); !written) {
        return make_error(fmt::format("cannot save state to {}", written.error()));
    }
    return {};
}

void restore(IdentityTable& table, const Snapshot& snapshot, std::optional<double> min_deadline_base) {
    table.reserve(table.size() + snapshot.identities.size());
    for (const SavedIdentity& saved : snapshot.identities) {
        IdentityState fresh = saved.state;
        fresh.deadline = 0;
        bool inserted = false;
        IdentityEntry& entry = table.get(saved.subject, saved.name, fresh, inserted);
        entry.state = fresh;
        table.set_message(entry, saved.message);
        table.set_tags(entry, saved.tags);
        double deadline = saved.state.deadline;
        if (deadline > 0 && min_deadline_base && saved.state.ttl > 0) {
            deadline = std::max(deadline, *min_deadline_base + saved.state.ttl);
        }
        table.arm(entry, deadline);
    }
}

Result<std::optional<FileLock>> lock_state_file(const std::string& path) {
    bool busy = false;
    auto lock = FileLock::acquire(path + ".lock", false, &busy);
    if (!lock) {
        if (!busy) {
            return std::optional<FileLock>();
        }
        return make_error(fmt::format("state file {} is in use: {}", path, lock.error()));
    }
    return std::optional<FileLock>(std::move(lock).value());
}

}  // namespace ev::status
