#include "nagios/number.h"

#include <charconv>
#include <cmath>
#include <utility>

namespace ev::nagios {

namespace {

bool is_digit(char c) {
    return c >= '0' && c <= '9';
}

}  // namespace

std::optional<std::pair<double, std::size_t>> parse_number_prefix(std::string_view text) {
    std::size_t i = 0;
    bool negative = false;
    if (i < text.size() && (text[i] == '-' || text[i] == '+')) {
        negative = text[i] == '-';
        ++i;
    }
    std::size_t body = i;
    std::size_t digits = 0;
    while (i < text.size() && is_digit(text[i])) {
        ++i;
        ++digits;
    }
    if (i < text.size() && text[i] == '.') {
        ++i;
        while (i < text.size() && is_digit(text[i])) {
            ++i;
            ++digits;
        }
    }
    if (digits == 0) {
        return std::nullopt;
    }
    // An exponent counts only when digits follow it: "5e" is 5 with unit "e".
    if (i < text.size() && (text[i] == 'e' || text[i] == 'E')) {
        std::size_t j = i + 1;
        if (j < text.size() && (text[j] == '-' || text[j] == '+')) {
            ++j;
        }
        if (j < text.size() && is_digit(text[j])) {
            while (j < text.size() && is_digit(text[j])) {
                ++j;
            }
            i = j;
        }
    }
    double value = 0;
    auto [ptr, ec] = std::from_chars(text.data() + body, text.data() + i, value);
    if (ec == std::errc::result_out_of_range) {
        return std::nullopt;
    }
    if (ec != std::errc() || ptr != text.data() + i || !std::isfinite(value)) {
        return std::nullopt;
    }
    return std::make_pair(negative ? -value : value, i);
}

std::optional<double> parse_number(std::string_view text) {
    auto parsed = parse_number_prefix(text);
    if (!parsed || parsed->second != text.size()) {
        return std::nullopt;
    }
    return parsed->first;
}

}  // namespace ev::nagios
