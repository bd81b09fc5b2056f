// One timeline entry: an event turned into a human line with its hashtags.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace ev::timeline {

struct Entry {
    std::string id;                     ///< a stable URI: urn:evkit:event:ID, or urn:evkit:line:HASH without an id
    std::optional<double> time;         ///< the event's time, when it has one
    std::string subject;                ///< plain text (append_plain), for the subject filter
    std::string text;                   ///< the line, plain text
    std::vector<std::string> hashtags;  ///< normalised, without '#', no duplicates
};

/// The entry's id for an event id (percent-encoded beyond URI-safe bytes)
/// or, without one, for the raw line's hash.
std::string entry_id(std::string_view event_id, std::string_view line);

/// Appends text percent-encoded: every byte but A-Z a-z 0-9 - . _ ~ as %XX.
void append_percent_encoded(std::string_view text, std::string& out);

/// "2026-12-02 20:46" in UTC.
std::string short_time(double seconds);

/// The line as evtimeline --format text prints it: time (when known), text, hashtags.
std::string text_line(const Entry& entry);

/// Writes entries (oldest first) as an Atom feed (RFC 4287), newest first.
struct FeedInfo {
    std::string id = "urn:evkit:timeline";
    std::string title = "evkit timeline";
    double now = 0;  ///< the feed's updated time when no entry has a time
};
std::string atom_feed(const std::vector<const Entry*>& entries, const FeedInfo& info);

/// Writes entries as a self-contained HTML page with hashtag and subject filters.
std::string html_page(const std::vector<const Entry*>& entries, const FeedInfo& info);

}  // namespace ev::timeline
