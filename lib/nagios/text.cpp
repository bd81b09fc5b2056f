#include "nagios/text.h"

#include <fmt/format.h>

#include <charconv>

namespace ev::nagios {

namespace {

// Length of the valid UTF-8 sequence at s[i], or 0 when it is invalid.
std::size_t utf8_length(std::string_view s, std::size_t i) {
    auto b = [&](std::size_t k) { return static_cast<unsigned char>(s[k]); };
    unsigned char c = b(i);
    if (c < 0x80) {
        return c == 0 ? 0 : 1;
    }
    std::size_t n = 0;
    unsigned char lo = 0x80;
    unsigned char hi = 0xBF;
    if (c >= 0xC2 && c <= 0xDF) {
        n = 2;
    } else if (c >= 0xE0 && c <= 0xEF) {
        n = 3;
        if (c == 0xE0) {
            lo = 0xA0;
        } else if (c == 0xED) {
            hi = 0x9F;  // no surrogates
        }
    } else if (c >= 0xF0 && c <= 0xF4) {
        n = 4;
        if (c == 0xF0) {
            lo = 0x90;
        } else if (c == 0xF4) {
            hi = 0x8F;
        }
    } else {
        return 0;
    }
    if (i + n > s.size()) {
        return 0;
    }
    if (b(i + 1) < lo || b(i + 1) > hi) {
        return 0;
    }
    for (std::size_t k = 2; k < n; ++k) {
        if (b(i + k) < 0x80 || b(i + k) > 0xBF) {
            return 0;
        }
    }
    return n;
}

}  // namespace

std::string valid_utf8(std::string_view bytes) {
    std::string out;
    out.reserve(bytes.size());
    std::size_t i = 0;
    while (i < bytes.size()) {
        std::size_t n = utf8_length(bytes, i);
        if (n == 0) {
            out += "\xEF\xBF\xBD";
            ++i;
        } else {
            out.append(bytes.data() + i, n);
            i += n;
        }
    }
    return out;
}

std::string_view trim(std::string_view bytes) {
    auto space = [](char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; };
    while (!bytes.empty() && space(bytes.front())) {
        bytes.remove_prefix(1);
    }
    while (!bytes.empty() && space(bytes.back())) {
        bytes.remove_suffix(1);
    }
    return bytes;
}

Result<std::size_t> parse_size(std::string_view text) {
    std::size_t value = 0;
    auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
    std::string_view unit(ptr, static_cast<std::size_t>(text.data() + text.size() - ptr));
    std::size_t scale = unit.empty() || unit == "B"                   ? 1
                        : unit == "K" || unit == "k" || unit == "KiB" ? 1024
                        : unit == "M" || unit == "MiB"                ? std::size_t{1} << 20
                                                                      : 0;
    if (ec != std::errc() || ptr == text.data() || scale == 0 || value == 0 || value > (std::size_t{1} << 30) / scale) {
        return make_error(fmt::format("bad size '{}' (bytes, or with K or M; 1 byte to 1G)", text));
    }
    return value * scale;
}

}  // namespace ev::nagios
