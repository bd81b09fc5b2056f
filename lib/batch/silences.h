// Silences (Alertmanager's silences, Nagios's scheduled downtime): for a
// time, alerts whose event matches an expression send nothing. The file and
// event formats, their parser, the locked file edits `evbatch silence` makes,
// and the set a running tool tests members against. Nothing here knows about
// groups, so any tool that shows or judges alerts can link it.
#pragma once

#include <simdjson.h>

#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "core/clock.h"
#include "core/result.h"
#include "expr/expr.h"

namespace ev::batch {

/// How long a silence is kept after it ended (Alertmanager's default
/// retention, --data.retention, is 120 h; the issue asks for a day).
constexpr double k_silence_retention = 86400;

/// One silence: from starts (inclusive) to ends (exclusive), events for
/// which match is true are silenced.
struct Silence {
    std::string id;
    std::string match;  ///< an expression (docs/expressions.md) evaluated on the alert's event
    double starts = 0;  ///< epoch seconds
    double ends = 0;    ///< epoch seconds
    std::string comment;
    std::string author;

    /// True while the silence is in force at now.
    bool active(double now) const { return starts <= now && now < ends; }
};

/// What to assume for fields a silence leaves out.
struct SilenceDefaults {
    double starts = 0;       ///< when `starts` is absent
    bool require_id = true;  ///< false: a missing `id` is derived from the line (events in a stream)
    std::string_view line;   ///< the line the object came from, for a derived id
};

/// Reads a silence from a JSON object (a `"type":"silence"` event, or a line
/// of a silences file): `match` (a string that compiles as an expression),
/// `ends` and optional `starts` (epoch seconds, or strings holding epoch
/// seconds or RFC 3339), `ends` not before `starts`, and the optional strings
/// `id`, `comment`, `author`. The error says which field is wrong.
Result<Silence> parse_silence(simdjson::dom::element object, const SilenceDefaults& defaults);

/// The line a silences file keeps for s: canonical JSON with `type`
/// "silence" and the times in RFC 3339 (UTC), so the file reads well.
std::string silence_line(const Silence& s);

/// Parses the text of a silences file: one silence per line, each with an
/// `id`; blank lines and lines starting with `#` are skipped. The error
/// reads "NAME:LINE: why"; two silences with one id are an error.
Result<std::vector<Silence>> parse_silences(std::string_view text, std::string_view name);

/// Reads and parses the silences file at path; a file that does not exist
/// holds no silences.
Result<std::vector<Silence>> read_silences(const std::string& path);

/// Drops the silences that ended more than k_silence_retention before now.
void prune_silences(std::vector<Silence>& silences, double now);

/// Changes the silences file at path as amtool changes Alertmanager's:
/// under an exclusive flock(2) on PATH.lock (created 0600, kept), reads the
/// file, lets change edit the list, prunes it at now and replaces the file
/// with atomic_write. When change fails nothing is written and its error is
/// returned.
Result<void> edit_silences(const std::string& path, double now,
                           const std::function<Result<void>(std::vector<Silence>&)>& change);

/// The silences a running tool applies: those of a file (replaced whole at
/// each reload) and those that came as events (kept across reloads), each
/// with its compiled expression.
class SilenceSet {
public:
    /// now() inside match expressions reads clock (the event clock on event time).
    explicit SilenceSet(const Clock& clock);
    ~SilenceSet();
    SilenceSet(SilenceSet&&) noexcept;
    SilenceSet& operator=(SilenceSet&&) noexcept;

    /// Adds s, or replaces the silence with its id (an event that re-sends a
    /// silence with an earlier end expires it).
    Result<void> put(const Silence& s);

    /// Replaces the silences that came from the file with these; on an error
    /// (an expression that does not compile) nothing changes.
    Result<void> replace_file(const std::vector<Silence>& silences);

    /// True when a silence in force at now matches event.
    bool silenced(simdjson::dom::element event, double now);

    /// True when a silence is in force at now or starts later, so members
    /// need testing at all.
    bool any_pending(double now) const;

    /// Forgets silences that ended more than k_silence_retention before now.
    void prune(double now);

    /// How many silences are held.
    std::size_t size() const;

private:
    struct Entry;
    Result<std::unique_ptr<Entry>> compile(const Silence& s, bool from_file) const;

    const Clock* m_clock;
    std::vector<std::unique_ptr<Entry>> m_entries;
};

}  // namespace ev::batch
