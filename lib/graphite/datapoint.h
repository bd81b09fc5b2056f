// Datapoint: the value and timestamp an event carries, and the carbon
// plaintext line made from them ("path value timestamp\n").
#pragma once

#include <simdjson.h>

#include <cstdint>
#include <string>
#include <string_view>

#include "core/clock.h"

namespace ev::graphite {

/// What extract_datapoint found in an event.
struct Datapoint {
    enum class Kind {
        point,  ///< a value and a timestamp
        skip,   ///< no metric and not a metric event: nothing to send, not an error
        bad,    ///< rejected under the bad-input policy; reason says why
    };
    Kind kind = Kind::skip;
    std::string value;        ///< the value as carbon reads it ("42", "0.5", "1e+21")
    int64_t time = 0;         ///< integer Unix seconds
    std::string_view reason;  ///< for Kind::bad; points to a static string
};

/// Reads `metric` (a finite JSON number) and `time` (seconds, fraction
/// dropped; clock's now when absent) into out. Events without `metric` are
/// skipped, unless `type` is "metric", which makes them bad.
void extract_datapoint(simdjson::dom::element event, const Clock& clock, Datapoint& out);

/// Appends "path value time\n" to out.
void append_line(std::string_view path, const Datapoint& point, std::string& out);

/// True when line (without its newline) is a carbon plaintext line as
/// append_line writes it: a path of [A-Za-z0-9_:#-] parts joined by single
/// dots, a finite number and a timestamp in 0..2^32-1, one space apart.
bool is_carbon_line(std::string_view line);

}  // namespace ev::graphite
