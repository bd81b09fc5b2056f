// Range: a Monitoring Plugins threshold range ("10", "10:", "~:10", "10:20", "@10:20").
#pragma once

#include <string_view>

#include "core/result.h"

namespace ev::nagios {

/// A parsed threshold range; alert() says whether a value raises an alert.
struct Range {
    double start = 0;
    double end = 0;
    bool start_infinite = false;  ///< "~" as start: negative infinity
    bool end_infinite = false;    ///< nothing after ":": positive infinity
    bool inside = false;          ///< "@": alert when inside the range

    /// True when value lies outside the range (or inside, for "@" ranges),
    /// that is when the plugin guidelines say the threshold is crossed.
    bool alert(double value) const;
};

/// Parses the guidelines' range syntax; an empty start means 0, an empty end
/// means infinity; start must not exceed end.
Result<Range> parse_range(std::string_view text);

}  // namespace ev::nagios
