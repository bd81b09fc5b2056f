// Text helpers the line-based parsers share.
#pragma once

#include <string_view>

namespace ev {

/// text without leading and trailing blanks (space, tab, CR, LF).
std::string_view trim(std::string_view text);

}  // namespace ev
