// Text helpers for bytes that plugins print: events need valid UTF-8.
#pragma once

#include <string>
#include <string_view>

#include "core/result.h"
#include "core/text.h"

namespace ev::nagios {

/// A copy of bytes with every invalid UTF-8 sequence (and NUL) replaced by U+FFFD.
std::string valid_utf8(std::string_view bytes);

/// Parses a size such as 8192, 8K or 1M into bytes (1 byte to 1 GiB).
Result<std::size_t> parse_size(std::string_view text);

}  // namespace ev::nagios
