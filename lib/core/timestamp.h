// Timestamps as operators write them: epoch seconds or RFC 3339.
#pragma once

#include <string>
#include <string_view>

#include "core/result.h"

namespace ev {

/// Parses a point in time into Unix epoch seconds: a number of seconds
/// (fraction allowed, as in an event's `time`), or an RFC 3339 date-time
/// such as 2026-12-02T07:30:00Z or 2026-12-02T09:30:00.5+02:00 (`t`, `z` and
/// a space for the `T` accepted, as RFC 3339 section 5.6 allows).
Result<double> parse_timestamp(std::string_view text);

/// Formats epoch seconds as RFC 3339 in UTC: 2026-12-02T07:30:00Z, with the
/// fraction in milliseconds when there is one (2026-12-02T07:30:00.250Z).
std::string format_rfc3339(double seconds);

}  // namespace ev
