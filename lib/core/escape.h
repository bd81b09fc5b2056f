// Escaping event data for output meant for people or for Nagios (plugin
// output, tables, diagnostics), so that no value can forge a line, a
// perfdata section or a terminal control sequence.
//
// The rules (docs/decisions.md, "Output"):
//   \  -> \\            the escape character itself, so every escape is unambiguous
//   |  -> \x7c          Nagios splits plugin output at the first '|' byte ("\|" would keep one)
//   LF CR TAB -> \n \r \t
//   other C0 controls and DEL -> \xNN (two lowercase hex digits: \x00, \x1b, \x7f)
//   C1 controls U+0080..U+009F, line and paragraph separators U+2028/U+2029,
//   bidi marks, embeddings, overrides and isolates (U+061C, U+200E, U+200F,
//   U+202A..U+202E, U+2066..U+2069) -> \u{NN} (lowercase hex code point: \u{9b}, \u{202e})
//   a byte that is not part of valid UTF-8 -> \xNN (so \xNN above \x7f is always a raw byte)
// Everything else, including valid non-ASCII text, is copied unchanged.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace ev {

/// How many bytes of a bad item a diagnostic quotes at most (escape_prefix's default).
constexpr std::size_t k_quote_bytes = 64;

/// Appends text to out, escaped by the rules above; safe on any bytes.
void append_escaped(std::string_view text, std::string& out);

/// A copy of text escaped by the rules above.
std::string escape_text(std::string_view text);

/// The first max_bytes of text (cut before a UTF-8 character, never inside
/// one), escaped, followed by "..." when text was longer: what diagnostics
/// quote of bad input.
std::string escape_prefix(std::string_view text, std::size_t max_bytes = k_quote_bytes);

}  // namespace ev
