// Series from a graphite-web render API (/render?format=json): the request
// through libcurl and the parser of its (untrusted) response.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.h"

namespace ev::plot {

/// One datapoint: a value (null in graphite: none) at epoch seconds.
struct RenderPoint {
    std::optional<double> value;
    double time = 0;
};

/// One series of a render response.
struct RenderSeries {
    std::string target;
    std::vector<RenderPoint> points;
};

/// Parses a render response: a JSON array of objects, each with a string
/// `target` and a `datapoints` array of [value or null, time] pairs (other
/// members are ignored). Anything else is an error naming what is wrong.
Result<std::vector<RenderSeries>> parse_render_json(std::string_view text);

/// What to ask graphite-web for.
struct RenderRequest {
    std::string base_url;              ///< http(s)://host[:port][/prefix]
    std::vector<std::string> targets;  ///< graphite target expressions
    std::string from = "-24h";         ///< graphite's from/until: -24h or epoch seconds
    std::string until = "now";
    double timeout_seconds = 30;
    std::size_t max_bytes = std::size_t{64} << 20;
};

/// The render URL for request: BASE/render?target=T&...&format=json&from=F&until=U,
/// every value percent-encoded.
std::string render_url(const RenderRequest& request);

/// Fetches and parses the series (http and https only, no redirects, a
/// status other than 200 or a body over max_bytes is an error).
Result<std::vector<RenderSeries>> fetch_render(const RenderRequest& request);

}  // namespace ev::plot
