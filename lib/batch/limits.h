// The limits each mode obeys, as operators write them: --rate N/DURATION
// and --max-fail N or P%.
#pragma once

#include <string_view>

#include "core/result.h"

namespace ev::batch {

/// At most count starts per period seconds, spread evenly.
struct Rate {
    double count = 0;
    double period = 1;
    /// Seconds between two starts.
    double interval() const { return period / count; }
};

/// Parses "N/DURATION" ("10/1m", "5/s") or "N" (per second); N > 0.
Result<Rate> parse_rate(std::string_view text);

/// When to stop starting actions: more than count failures, or more than
/// percent of the actions (of each batch, with --batch).
struct MaxFail {
    bool percent = false;
    double value = 0;
    /// True when failed out of total exceeds the limit.
    bool exceeded(double failed, double total) const { return percent ? failed * 100 > value * total : failed > value; }
};

/// Parses "N" (a whole number) or "P%" (0 to 100).
Result<MaxFail> parse_max_fail(std::string_view text);

}  // namespace ev::batch
