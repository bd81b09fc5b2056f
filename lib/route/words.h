// Words: splits the destination part of a rule into words and commas,
// shell-like quoting without any expansion.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.h"

namespace ev::route {

/// One word or comma of a destination list.
struct Word {
    std::string text;
    std::size_t offset = 0;  ///< where it starts in the scanned text
    bool quoted = false;     ///< some part was quoted (so never a keyword)
    bool comma = false;      ///< an unquoted ',' separating destinations
};

/// Error of split_words: what went wrong and where.
struct WordError {
    std::string message;
    std::size_t offset = 0;
};

/// Splits text into words: runs of characters other than blanks and ',';
/// '...' quotes literally, "..." allows \\ \" \n \t escapes; adjacent parts join.
/// On failure returns nothing and fills error.
std::vector<Word> split_words(std::string_view text, WordError& error, bool& ok);

}  // namespace ev::route
