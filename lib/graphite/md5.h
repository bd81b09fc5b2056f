// MD5, for placing series on carbon's consistent hash ring (carbon_ch),
// which hashes with MD5, and as the checksum of spool segments (against
// damage, not forgery); it is not used for anything that needs security.
#pragma once

#include <array>
#include <cstdint>
#include <string_view>

namespace ev::graphite {

/// The 16-byte MD5 digest of data (RFC 1321).
std::array<uint8_t, 16> md5(std::string_view data);

}  // namespace ev::graphite
