// Destination: one carbon receiver, written HOST:PORT[:INSTANCE] as in
// carbon's own DESTINATIONS setting.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "core/result.h"

namespace ev::graphite {

/// A carbon line receiver and the instance name that places it on the ring.
struct Destination {
    std::string host;  ///< name or address; IPv6 without brackets
    uint16_t port = 0;
    std::string instance;  ///< empty: none (Python's None in carbon's ring key)

    /// The text form, as parsed: "host:port" or "host:port:instance" ([v6]:port).
    std::string to_string() const;
    /// A file name for this destination's spool folder: "host_port[_instance]".
    std::string spool_name() const;
};

/// Parses "HOST:PORT", "HOST:PORT:INSTANCE" or "[V6]:PORT[:INSTANCE]" the way
/// carbon's parseDestination does; host and instance are limited to
/// characters that print the same in Python's repr (letters, digits, . - _ :).
Result<Destination> parse_destination(std::string_view text);

}  // namespace ev::graphite
