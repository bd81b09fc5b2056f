// PathTemplate: how an event becomes a Graphite metric path, e.g.
// "{subject}.{name}" or "servers.{tags.dc}.{subject}.{name}".
#pragma once

#include <simdjson.h>

#include <array>
#include <string>
#include <string_view>
#include <vector>

#include "core/path.h"
#include "core/result.h"

namespace ev::graphite {

/// How the dots inside the subject are treated.
enum class SubjectDots {
    replace,  ///< "www.example.com" -> "www_example_com" (as collectd does)
    reverse,  ///< "www.example.com" -> "com.example.www"
};

/// A parsed template: literal text and {FIELD} references, rendered into a
/// sanitised path whose parts hold only [A-Za-z0-9_:#-].
class PathTemplate {
public:
    /// Parses text; fields are evkit paths (subject, tags.dc, data.x[0]).
    /// The error names the byte offset of the fault.
    static Result<PathTemplate> parse(std::string_view text);

    /// Renders the path for event into out (cleared first), with prefix
    /// parts in front. Returns an empty string view on success, or the
    /// reason the event cannot be placed (a field is missing, the path is empty).
    std::string_view render(simdjson::dom::element event, std::string_view prefix, SubjectDots dots,
                            std::string& out) const;

private:
    struct Piece {
        std::string literal;  // used when !is_field
        Path field;
        bool is_field = false;
        bool is_subject = false;
    };
    std::vector<Piece> m_pieces;
    mutable std::string m_reason;  // the text render's returned view points into
};

/// The bytes that stay as they are inside a path part: [A-Za-z0-9_:#-].
inline constexpr std::array<bool, 256> k_part_bytes = [] {
    std::array<bool, 256> table{};
    for (int c = 0; c < 256; ++c) {
        table[c] = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' || c == ':' ||
                   c == '#' || c == '-';
    }
    return table;
}();

/// True for a byte that stays as it is inside a path part.
inline bool is_part_byte(char c) {
    return k_part_bytes[static_cast<unsigned char>(c)];
}

/// Builds a sanitised Graphite path part by part: each character outside
/// [A-Za-z0-9_:#-] (a whole UTF-8 character) becomes '_', a separating dot
/// is written only between two non-empty parts.
class PathBuilder {
public:
    /// Builds into out, which is cleared.
    explicit PathBuilder(std::string& out) : m_out(out) { m_out.clear(); }
    /// Appends text; a '.' in it separates parts when dots_separate, else
    /// becomes '_'. A separated part that is exactly "/" (check_disk's label
    /// for the root file system) becomes "root", not "_".
    void append(std::string_view text, bool dots_separate);
    /// Ends the current part: the next character starts a new one.
    void separate() { m_pending_dot = !m_out.empty(); }

private:
    void append_part(std::string_view text);

    std::string& m_out;
    bool m_pending_dot = false;
    bool m_in_utf8 = false;  // inside a multi-byte character already written as '_'
};

}  // namespace ev::graphite
