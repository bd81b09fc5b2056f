// Text helpers for bytes that plugins print: events need valid UTF-8.
#pragma once

#include <string>
#include <string_view>

namespace ev::nagios {

/// A copy of bytes with every invalid UTF-8 sequence (and NUL) replaced by U+FFFD.
std::string valid_utf8(std::string_view bytes);

/// bytes without leading and trailing spaces, tabs, CR and LF.
std::string_view trim(std::string_view bytes);

}  // namespace ev::nagios
