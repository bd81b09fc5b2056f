// Text helpers the line-based parsers share.
#pragma once

#include <string>
#include <string_view>

#include "core/result.h"

namespace ev {

/// text without leading and trailing blanks (space, tab, CR, LF).
std::string_view trim(std::string_view text);

/// Reads all of a descriptor (stdin) into text; the error names what.
Result<std::string> read_all_fd(int fd, std::string_view what);

/// Reads a whole file; the error reads "PATH: why". With missing_is_empty a
/// file that does not exist reads as empty text.
Result<std::string> read_text_file(const std::string& path, bool missing_is_empty = false);

}  // namespace ev
