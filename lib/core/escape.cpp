#include "core/escape.h"

#include <cstdint>

#include "core/utf8.h"

namespace ev {

namespace {

constexpr char k_hex[] = "0123456789abcdef";

// True for a byte that is copied as it is: printable ASCII but '\' and '|'.
bool plain_ascii(unsigned char c) {
    return c >= 0x20 && c < 0x7f && c != '\\' && c != '|';
}

void append_byte_escape(unsigned char c, std::string& out) {
    out += "\\x";
    out += k_hex[c >> 4];
    out += k_hex[c & 0xF];
}

void append_ascii(unsigned char c, std::string& out) {
    switch (c) {
        case '\\':
            out += "\\\\";
            return;
        case '\n':
            out += "\\n";
            return;
        case '\r':
            out += "\\r";
            return;
        case '\t':
            out += "\\t";
            return;
        default:
            append_byte_escape(c, out);  // '|', other C0 controls, DEL
    }
}

// The code point of the valid n-byte sequence at s.
uint32_t decode(const char* s, std::size_t n) {
    auto b = [s](std::size_t i) { return static_cast<uint32_t>(static_cast<unsigned char>(s[i])); };
    switch (n) {
        case 2:
            return ((b(0) & 0x1F) << 6) | (b(1) & 0x3F);
        case 3:
            return ((b(0) & 0x0F) << 12) | ((b(1) & 0x3F) << 6) | (b(2) & 0x3F);
        default:
            return ((b(0) & 0x07) << 18) | ((b(1) & 0x3F) << 12) | ((b(2) & 0x3F) << 6) | (b(3) & 0x3F);
    }
}

// Code points that move the cursor, end a line or reorder text on a terminal.
bool escaped_code_point(uint32_t cp) {
    return (cp >= 0x80 && cp <= 0x9F) || cp == 0x061C || cp == 0x200E || cp == 0x200F ||
           (cp >= 0x2028 && cp <= 0x202E) || (cp >= 0x2066 && cp <= 0x2069);
}

void append_code_point_escape(uint32_t cp, std::string& out) {
    out += "\\u{";
    bool started = false;
    for (int shift = 20; shift >= 0; shift -= 4) {
        unsigned digit = (cp >> shift) & 0xF;
        if (digit != 0 || started || shift == 0) {
            out += k_hex[digit];
            started = true;
        }
    }
    out += '}';
}

}  // namespace

void append_escaped(std::string_view text, std::string& out) {
    const char* data = text.data();
    std::size_t i = 0;
    std::size_t run = 0;  // start of the bytes copied as they are
    auto flush_run = [&] { out.append(data + run, i - run); };
    while (i < text.size()) {
        auto c = static_cast<unsigned char>(data[i]);
        if (plain_ascii(c)) {
            ++i;
            continue;
        }
        if (c >= 0x80) {
            std::size_t n = utf8_sequence_length(text, i);
            if (n != 0 && !escaped_code_point(decode(data + i, n))) {
                i += n;
                continue;
            }
            flush_run();
            if (n == 0) {
                append_byte_escape(c, out);
                ++i;
            } else {
                append_code_point_escape(decode(data + i, n), out);
                i += n;
            }
            run = i;
            continue;
        }
        flush_run();
        append_ascii(c, out);
        ++i;
        run = i;
    }
    flush_run();
}

std::string escape_text(std::string_view text) {
    std::string out;
    out.reserve(text.size());
    append_escaped(text, out);
    return out;
}

std::string escape_prefix(std::string_view text, std::size_t max_bytes) {
    if (text.size() <= max_bytes) {
        return escape_text(text);
    }
    // Cut before a character: back up over continuation bytes of a valid
    // sequence that straddles the cut (an invalid byte may be cut anywhere).
    std::size_t cut = max_bytes;
    for (std::size_t back = 1; back <= 3 && back <= cut; ++back) {
        std::size_t start = cut - back;
        std::size_t n = utf8_sequence_length(text, start);
        if (n > back) {
            cut = start;
            break;
        }
        if ((static_cast<unsigned char>(text[start]) & 0xC0) != 0x80) {
            break;  // a lead or ASCII byte: nothing straddles the cut
        }
    }
    std::string out = escape_text(text.substr(0, cut));
    out += "...";
    return out;
}

}  // namespace ev
