// Durations as operators write them: 30s, 5m, 2h, 1d, 500ms, 1w, or bare seconds.
#pragma once

#include <string>
#include <string_view>

#include "core/result.h"

namespace ev {

/// Parses a duration into seconds: a non-negative number with an optional
/// unit ms, s, m, h, d or w (no unit means seconds).
Result<double> parse_duration(std::string_view text);

/// Formats seconds in the shortest exact unit form (300 -> "5m", 1.5 -> "1500ms").
std::string format_duration(double seconds);

}  // namespace ev
