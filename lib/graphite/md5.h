// MD5, for placing series on carbon's consistent hash ring (carbon_ch),
// which hashes with MD5, and as the checksum of spool segments (against
// damage, not forgery); it is not used for anything that needs security.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <string_view>

namespace ev::graphite {

/// MD5 over data given in pieces, so a segment is summed without being
/// copied into one buffer first.
class Md5 {
public:
    /// Adds the next bytes.
    void update(std::string_view data);
    /// The 16-byte digest of everything added (call once).
    std::array<uint8_t, 16> digest();

private:
    uint32_t m_state[4] = {0x67452301, 0xefcdab89, 0x98badcfe, 0x10325476};
    uint8_t m_tail[64] = {};
    std::size_t m_tail_size = 0;
    uint64_t m_length = 0;
};

/// The 16-byte MD5 digest of data (RFC 1321).
std::array<uint8_t, 16> md5(std::string_view data);

}  // namespace ev::graphite
