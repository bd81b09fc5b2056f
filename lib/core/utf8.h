// UTF-8 helpers shared by the parsers and by tools that turn program output
// into event fields (which must be valid UTF-8).
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace ev {

/// Length of the valid UTF-8 sequence starting at s[at] (1 to 4), or 0 when
/// it is not one (bad lead byte, truncated, overlong, surrogate, > U+10FFFF).
std::size_t utf8_sequence_length(std::string_view s, std::size_t at);

/// Appends the UTF-8 encoding of code point cp (at most U+10FFFF).
void append_utf8(uint32_t cp, std::string& out);

/// A copy of bytes with every invalid sequence replaced by U+FFFD (and NUL
/// too when replace_nul is set).
std::string sanitize_utf8(std::string_view bytes, bool replace_nul = false);

}  // namespace ev
