#include "status/query.h"

#include <algorithm>
#include <array>
#include <cmath>
#include <ctime>
#include <optional>

#include <fmt/format.h>
#include <simdjson.h>

#include "batch/silences.h"
#include "core/atomic_file.h"
#include "core/clock.h"
#include "core/escape.h"
#include "core/exit_code.h"
#include "core/json.h"
#include "core/state.h"
#include "status/openmetrics.h"
#include "status/selection.h"
#include "status/state_file.h"

namespace ev::status {

namespace {

// The MESSAGE column: a string message as it is, another value as JSON,
// none as "-"; escaped like every other column.
std::string message_column(const SavedIdentity& id) {
    if (id.message.empty()) {
        return "-";
    }
    if (id.message.front() == '"') {
        if (auto text = json_unescape(id.message)) {
            return escape_text(*text);
        }
    }
    return escape_text(id.message);
}

std::string flags_of(const IdentityState& s, bool silenced) {
    std::string flags;
    auto add = [&flags](std::string_view f) {
        if (!flags.empty()) {
            flags += ',';
        }
        flags += f;
    };
    if (s.flapping()) {
        add("flapping");
    }
    if (s.expired()) {
        add("expired");
    }
    if (s.soft > 0) {
        add(fmt::format("soft:{}", s.soft));
    }
    if (silenced) {
        add("silenced");
    }
    return flags.empty() ? "-" : flags;
}

// Width of escaped text on a terminal: one column per UTF-8 character
// (wide characters count one; the escapes themselves are ASCII).
std::size_t columns_of(std::string_view text) {
    std::size_t n = 0;
    for (char c : text) {
        n += (static_cast<unsigned char>(c) & 0xC0) != 0x80 ? 1 : 0;
    }
    return n;
}

}  // namespace

// The table: one row per identity, columns aligned by characters.
// Subjects and names are escaped: a row is one line, and no value reaches
// the terminal as a control sequence.
std::string table_of(const std::vector<Selected>& selected, const std::vector<bool>* silenced) {
    std::vector<std::array<std::string, 7>> rows;
    rows.push_back({"SUBJECT", "NAME", "STATE", "SINCE", "LAST-SEEN", "FLAGS", "MESSAGE"});
    for (std::size_t i = 0; i < selected.size(); ++i) {
        const SavedIdentity& id = *selected[i].identity;
        const IdentityState& st = id.state;
        rows.push_back({escape_text(id.subject), escape_text(id.name), std::string(state_name(st.state)),
                        format_utc(st.since), format_utc(st.seen), flags_of(st, silenced != nullptr && (*silenced)[i]),
                        message_column(id)});
    }
    std::array<std::size_t, 7> width{};
    for (const auto& row : rows) {
        for (std::size_t i = 0; i < row.size(); ++i) {
            width[i] = std::max(width[i], columns_of(row[i]));
        }
    }
    std::string out;
    for (const auto& row : rows) {
        for (std::size_t i = 0; i < row.size(); ++i) {
            out += row[i];
            if (i + 1 < row.size()) {
                out.append(width[i] - columns_of(row[i]) + 2, ' ');
            }
        }
        out += '\n';
    }
    return out;
}

namespace {

// NDJSON rows; with --silences each says whether a silence covers it.
std::string json_rows(const std::vector<Selected>& selected, const std::vector<bool>* silenced) {
    std::string out;
    for (std::size_t i = 0; i < selected.size(); ++i) {
        if (silenced == nullptr) {
            out += selected[i].row;
        } else {
            Json row = row_of(*selected[i].identity);
            row.set("silenced", Json(static_cast<bool>((*silenced)[i])));
            out += to_canonical(row);
        }
        out += '\n';
    }
    return out;
}

}  // namespace

// For each selected identity, whether a silence of the file is in force and
// matches its row (as evbatch tests an alert event), at the state file's
// time when it was saved on event time, else now.
Result<std::vector<bool>> silenced_marks(const std::string& path, const Snapshot& snapshot,
                                         const std::vector<Selected>& selected) {
    auto silences = batch::read_silences(path);
    if (!silences) {
        return std::move(silences).take_error();
    }
    ManualClock clock(snapshot.clock == ClockKind::event ? snapshot.time : wall_clock().now());
    batch::SilenceSet set(clock);
    if (auto replaced = set.replace_file(*silences); !replaced) {
        return make_error(fmt::format("{}: {}", path, replaced.error()));
    }
    std::vector<bool> out;
    out.reserve(selected.size());
    simdjson::dom::parser parser;
    for (const Selected& s : selected) {
        simdjson::padded_string padded(s.row);
        simdjson::dom::element root;
        out.push_back(parser.parse(padded).get(root) == simdjson::SUCCESS && set.silenced(root, clock.now()));
    }
    return out;
}

std::string format_utc(double seconds) {
    std::time_t t = static_cast<std::time_t>(std::floor(seconds));
    std::tm tm{};
    gmtime_r(&t, &tm);
    char buf[32];
    std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
    return buf;
}

int show(const ShowOptions& options, int out_fd, Diagnostics& diag) {
    std::string format = !options.format.empty() ? options.format : options.json ? "json" : "table";
    if (format != "table" && format != "json" && format != "openmetrics") {
        diag.error(fmt::format("--format: expected table, json or openmetrics, not '{}'", options.format));
        return exit_code::k_usage;
    }
    if (options.json && format != "json") {
        diag.error(fmt::format("--json and --format {} disagree", format));
        return exit_code::k_usage;
    }
    auto loaded = load_saved_state(options.state_path);
    if (!loaded) {
        diag.error(loaded.error());
        return exit_code::k_usage;
    }
    auto selected = select(*loaded, options.expression);
    if (!selected) {
        diag.error(selected.error());
        return exit_code::k_usage;
    }
    std::optional<std::vector<bool>> silenced;
    if (!options.silences_path.empty()) {
        auto marks = silenced_marks(options.silences_path, *loaded, *selected);
        if (!marks) {
            diag.error(marks.error());
            return exit_code::k_usage;
        }
        silenced = std::move(marks).value();
    }
    const std::vector<bool>* marks = silenced ? &*silenced : nullptr;
    std::string out = format == "json"          ? json_rows(*selected, marks)
                      : format == "openmetrics" ? format_openmetrics(*selected, marks)
                                                : table_of(*selected, marks);
    if (!options.output.empty()) {
        // A reader (node_exporter's textfile collector) sees the old file
        // or the new one, never half of one. New files are 0644: the file
        // is there to be read by another user's daemon.
        if (auto written = atomic_write(options.output, out, 0644); !written) {
            diag.error(written.error());
            return exit_code::k_io;
        }
    } else {
        write_all(out_fd, out);
    }
    return selected->empty() ? exit_code::k_no_match : exit_code::k_ok;
}

}  // namespace ev::status
