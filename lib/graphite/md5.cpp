#include "graphite/md5.h"

#include <algorithm>
#include <cstring>

namespace ev::graphite {

namespace {

constexpr uint32_t k_shift[64] = {7, 12, 17, 22, 7, 12, 17, 22, 7, 12, 17, 22, 7, 12, 17, 22,
                                  5, 9,  14, 20, 5, 9,  14, 20, 5, 9,  14, 20, 5, 9,  14, 20,
                                  4, 11, 16, 23, 4, 11, 16, 23, 4, 11, 16, 23, 4, 11, 16, 23,
                                  6, 10, 15, 21, 6, 10, 15, 21, 6, 10, 15, 21, 6, 10, 15, 21};

// floor(abs(sin(i + 1)) * 2^32), as RFC 1321 tabulates them.
constexpr uint32_t k_table[64] = {
    0xd76aa478, 0xe8c7b756, 0x242070db, 0xc1bdceee, 0xf57c0faf, 0x4787c62a, 0xa8304613, 0xfd469501,
    0x698098d8, 0x8b44f7af, 0xffff5bb1, 0x895cd7be, 0x6b901122, 0xfd987193, 0xa679438e, 0x49b40821,
    0xf61e2562, 0xc040b340, 0x265e5a51, 0xe9b6c7aa, 0xd62f105d, 0x02441453, 0xd8a1e681, 0xe7d3fbc8,
    0x21e1cde6, 0xc33707d6, 0xf4d50d87, 0x455a14ed, 0xa9e3e905, 0xfcefa3f8, 0x676f02d9, 0x8d2a4c8a,
    0xfffa3942, 0x8771f681, 0x6d9d6122, 0xfde5380c, 0xa4beea44, 0x4bdecfa9, 0xf6bb4b60, 0xbebfbc70,
    0x289b7ec6, 0xeaa127fa, 0xd4ef3085, 0x04881d05, 0xd9d4d039, 0xe6db99e5, 0x1fa27cf8, 0xc4ac5665,
    0xf4292244, 0x432aff97, 0xab9423a7, 0xfc93a039, 0x655b59c3, 0x8f0ccc92, 0xffeff47d, 0x85845dd1,
    0x6fa87e4f, 0xfe2ce6e0, 0xa3014314, 0x4e0811a1, 0xf7537e82, 0xbd3af235, 0x2ad7d2bb, 0xeb86d391};

uint32_t rotl(uint32_t x, uint32_t c) {
    return (x << c) | (x >> (32 - c));
}

void block(uint32_t state[4], const uint8_t* p) {
    uint32_t m[16];
    for (int i = 0; i < 16; ++i) {
        m[i] = uint32_t(p[i * 4]) | uint32_t(p[i * 4 + 1]) << 8 | uint32_t(p[i * 4 + 2]) << 16 |
               uint32_t(p[i * 4 + 3]) << 24;
    }
    uint32_t a = state[0], b = state[1], c = state[2], d = state[3];
    for (uint32_t i = 0; i < 64; ++i) {
        uint32_t f;
        uint32_t g;
        if (i < 16) {
            f = (b & c) | (~b & d);
            g = i;
        } else if (i < 32) {
            f = (d & b) | (~d & c);
            g = (5 * i + 1) % 16;
        } else if (i < 48) {
            f = b ^ c ^ d;
            g = (3 * i + 5) % 16;
        } else {
            f = c ^ (b | ~d);
            g = (7 * i) % 16;
        }
        f = f + a + k_table[i] + m[g];
        a = d;
        d = c;
        c = b;
        b = b + rotl(f, k_shift[i]);
    }
    state[0] += a;
    state[1] += b;
    state[2] += c;
    state[3] += d;
}

}  // namespace

void Md5::update(std::string_view data) {
    const auto* p = reinterpret_cast<const uint8_t*>(data.data());
    std::size_t n = data.size();
    m_length += n;
    if (m_tail_size > 0) {
        std::size_t take = std::min(n, sizeof m_tail - m_tail_size);
        std::memcpy(m_tail + m_tail_size, p, take);
        m_tail_size += take;
        p += take;
        n -= take;
        if (m_tail_size < sizeof m_tail) {
            return;
        }
        block(m_state, m_tail);
        m_tail_size = 0;
    }
    std::size_t whole = n / 64 * 64;
    for (std::size_t i = 0; i < whole; i += 64) {
        block(m_state, p + i);
    }
    m_tail_size = n - whole;
    std::memcpy(m_tail, p + whole, m_tail_size);
}

std::array<uint8_t, 16> Md5::digest() {
    // The tail, a 0x80 byte, zeros, and the bit length fill one or two blocks.
    uint8_t tail[128] = {};
    std::memcpy(tail, m_tail, m_tail_size);
    tail[m_tail_size] = 0x80;
    std::size_t tail_len = m_tail_size + 9 <= 64 ? 64 : 128;
    uint64_t bits = m_length * 8;
    for (int i = 0; i < 8; ++i) {
        tail[tail_len - 8 + i] = static_cast<uint8_t>(bits >> (8 * i));
    }
    for (std::size_t i = 0; i < tail_len; i += 64) {
        block(m_state, tail + i);
    }
    std::array<uint8_t, 16> out;
    for (int i = 0; i < 4; ++i) {
        for (int j = 0; j < 4; ++j) {
            out[i * 4 + j] = static_cast<uint8_t>(m_state[i] >> (8 * j));
        }
    }
    return out;
}

std::array<uint8_t, 16> md5(std::string_view data) {
    Md5 sum;
    sum.update(data);
    return sum.digest();
}

}  // namespace ev::graphite
