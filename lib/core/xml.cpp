#include "core/xml.h"

#include <cstdint>

namespace ev {

namespace {

constexpr std::string_view k_replacement = "\xef\xbf\xbd";  // U+FFFD

// Length of the valid UTF-8 sequence at text[i] (1..4) and its code point, or 0 when invalid.
std::size_t utf8_sequence(std::string_view text, std::size_t i, uint32_t& code) {
    auto byte = [&](std::size_t k) { return static_cast<uint8_t>(text[k]); };
    uint8_t b = byte(i);
    std::size_t length = b < 0x80 ? 1 : (b & 0xe0) == 0xc0 ? 2 : (b & 0xf0) == 0xe0 ? 3 : (b & 0xf8) == 0xf0 ? 4 : 0;
    if (length == 0 || i + length > text.size()) {
        return 0;
    }
    code = length == 1 ? b : length == 2 ? b & 0x1f : length == 3 ? b & 0x0f : b & 0x07;
    for (std::size_t k = 1; k < length; ++k) {
        if ((byte(i + k) & 0xc0) != 0x80) {
            return 0;
        }
        code = (code << 6) | (byte(i + k) & 0x3f);
    }
    // Overlong forms, surrogates and values past U+10FFFF are not UTF-8.
    static constexpr uint32_t k_min[5] = {0, 0, 0x80, 0x800, 0x10000};
    if (code < k_min[length] || (code >= 0xd800 && code <= 0xdfff) || code > 0x10ffff) {
        return 0;
    }
    return length;
}

bool xml_allows(uint32_t code) {
    if (code < 0x20) {
        return code == '\t' || code == '\n' || code == '\r';
    }
    return code != 0xfffe && code != 0xffff;
}

}  // namespace

void append_xml_escaped(std::string_view text, std::string& out) {
    for (std::size_t i = 0; i < text.size();) {
        uint32_t code = 0;
        std::size_t length = utf8_sequence(text, i, code);
        if (length == 0) {
            out += k_replacement;
            ++i;
            continue;
        }
        switch (code) {
            case '&':
                out += "&amp;";
                break;
            case '<':
                out += "&lt;";
                break;
            case '>':
                out += "&gt;";
                break;
            case '"':
                out += "&quot;";
                break;
            case '\'':
                out += "&apos;";
                break;
            default:
                if (xml_allows(code)) {
                    out.append(text.substr(i, length));
                } else {
                    out += k_replacement;
                }
        }
        i += length;
    }
}

std::string xml_escape(std::string_view text) {
    std::string out;
    append_xml_escaped(text, out);
    return out;
}

}  // namespace ev
