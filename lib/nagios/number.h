// Numbers as plugins write them in perfdata and ranges.
#pragma once

#include <cstddef>
#include <optional>
#include <string_view>

namespace ev::nagios {

/// Parses the longest decimal number at the start of text (optional sign,
/// digits, optional fraction and exponent; no inf, nan or hex). Returns the
/// value and the number of bytes used, or nothing when text starts otherwise.
std::optional<std::pair<double, std::size_t>> parse_number_prefix(std::string_view text);

/// Parses text that must be one whole decimal number.
std::optional<double> parse_number(std::string_view text);

}  // namespace ev::nagios
