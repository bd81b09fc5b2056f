// Text helpers the line-based parsers share.
#pragma once

#include <simdjson.h>

#include <cstddef>
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>

#include "core/result.h"

namespace ev {

/// text without leading and trailing blanks (space, tab, CR, LF).
std::string_view trim(std::string_view text);

/// Reads all of a descriptor (stdin) into text; the error names what. More
/// than max_bytes is an error ("WHAT: larger than N bytes").
Result<std::string> read_all_fd(int fd, std::string_view what, std::size_t max_bytes = SIZE_MAX);

/// Reads a whole file; the error reads "PATH: why". With missing_is_empty a
/// file that does not exist reads as empty text.
Result<std::string> read_text_file(const std::string& path, bool missing_is_empty = false);

/// Reads a whole file of at most max_bytes (a larger one is an error).
Result<std::string> read_text_file_at_most(const std::string& path, std::size_t max_bytes);

/// Walks NDJSON configuration text (silences, inhibit rules): every line that
/// is neither blank nor a '#' comment is parsed as JSON, with one parser for
/// all, and handed to each. The first failure ends the walk: a line that is
/// not JSON, or the error each returns; either reads "NAME:LINE: why".
Result<void> for_each_config_line(std::string_view text, std::string_view name,
                                  const std::function<Result<void>(simdjson::dom::element)>& each);

}  // namespace ev
