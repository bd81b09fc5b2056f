#include "core/timestamp.h"

#include <fmt/format.h>

#include <charconv>
#include <cmath>
#include <cstdint>

namespace ev {

namespace {

// Days from 1970-01-01 to the civil date (Howard Hinnant's days_from_civil).
int64_t days_from_civil(int64_t y, unsigned m, unsigned d) {
    y -= m <= 2 ? 1 : 0;
    const int64_t era = (y >= 0 ? y : y - 399) / 400;
    const unsigned yoe = static_cast<unsigned>(y - era * 400);
    const unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + static_cast<int64_t>(doe) - 719468;
}

// The civil date of a day count, the inverse of days_from_civil.
void civil_from_days(int64_t z, int64_t& y, unsigned& m, unsigned& d) {
    z += 719468;
    const int64_t era = (z >= 0 ? z : z - 146096) / 146097;
    const unsigned doe = static_cast<unsigned>(z - era * 146097);
    const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    const unsigned mp = (5 * doy + 2) / 153;
    d = doy - (153 * mp + 2) / 5 + 1;
    m = mp < 10 ? mp + 3 : mp - 9;
    y = static_cast<int64_t>(yoe) + era * 400 + (m <= 2 ? 1 : 0);
}

bool is_leap(int64_t y) {
    return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

unsigned days_in_month(int64_t y, unsigned m) {
    static constexpr unsigned k_days[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    return m == 2 && is_leap(y) ? 29 : k_days[m - 1];
}

// Reads exactly width digits at text[pos]; false when they are not all digits.
bool digits(std::string_view text, std::size_t pos, std::size_t width, unsigned& out) {
    if (pos + width > text.size()) {
        return false;
    }
    out = 0;
    for (std::size_t i = pos; i < pos + width; ++i) {
        if (text[i] < '0' || text[i] > '9') {
            return false;
        }
        out = out * 10 + static_cast<unsigned>(text[i] - '0');
    }
    return true;
}

Result<double> parse_rfc3339(std::string_view text) {
    auto bad = [&] {
        return make_error(
            fmt::format("'{}' is not a time: give epoch seconds or RFC 3339 (2026-12-02T07:30:00Z)", text));
    };
    unsigned year = 0, month = 0, day = 0, hour = 0, minute = 0, second = 0;
    if (!digits(text, 0, 4, year) || text.size() < 20 || text[4] != '-' || !digits(text, 5, 2, month) ||
        text[7] != '-' || !digits(text, 8, 2, day) || (text[10] != 'T' && text[10] != 't' && text[10] != ' ') ||
        !digits(text, 11, 2, hour) || text[13] != ':' || !digits(text, 14, 2, minute) || text[16] != ':' ||
        !digits(text, 17, 2, second)) {
        return bad();
    }
    if (month < 1 || month > 12 || day < 1 || day > days_in_month(year, month) || hour > 23 || minute > 59 ||
        second > 60) {
        return bad();
    }
    std::size_t pos = 19;
    double fraction = 0;
    if (text[pos] == '.') {
        double scale = 0.1;
        std::size_t start = ++pos;
        while (pos < text.size() && text[pos] >= '0' && text[pos] <= '9') {
            fraction += (text[pos] - '0') * scale;
            scale /= 10;
            ++pos;
        }
        if (pos == start) {
            return bad();
        }
    }
    int64_t offset = 0;
    std::string_view zone = text.substr(pos);
    if (zone == "Z" || zone == "z") {
        offset = 0;
    } else {
        unsigned oh = 0, om = 0;
        if (zone.size() != 6 || (zone[0] != '+' && zone[0] != '-') || !digits(zone, 1, 2, oh) || zone[3] != ':' ||
            !digits(zone, 4, 2, om) || oh > 23 || om > 59) {
            return bad();
        }
        offset = (zone[0] == '-' ? -1 : 1) * static_cast<int64_t>(oh * 3600 + om * 60);
    }
    // A leap second (:60) counts as the first second of the next minute, as POSIX time has none.
    int64_t seconds = days_from_civil(year, month, day) * 86400 + hour * 3600 + minute * 60 + second - offset;
    return static_cast<double>(seconds) + fraction;
}

}  // namespace

Result<double> parse_timestamp(std::string_view text) {
    if (text.size() > 4 && text[4] == '-') {
        return parse_rfc3339(text);
    }
    double value = 0;
    const char* end = text.data() + text.size();
    auto [ptr, ec] = std::from_chars(text.data(), end, value);
    if (text.empty() || ec != std::errc() || ptr != end || !std::isfinite(value)) {
        return make_error(
            fmt::format("'{}' is not a time: give epoch seconds or RFC 3339 (2026-12-02T07:30:00Z)", text));
    }
    return value;
}

std::string format_rfc3339(double seconds) {
    double whole = std::floor(seconds);
    auto ms = static_cast<int64_t>(std::llround((seconds - whole) * 1000));
    auto total = static_cast<int64_t>(whole);
    if (ms == 1000) {
        ++total;
        ms = 0;
    }
    int64_t days = total >= 0 ? total / 86400 : (total - 86399) / 86400;
    int64_t rest = total - days * 86400;
    int64_t y = 0;
    unsigned m = 0, d = 0;
    civil_from_days(days, y, m, d);
    std::string out =
        fmt::format("{:04}-{:02}-{:02}T{:02}:{:02}:{:02}", y, m, d, rest / 3600, rest / 60 % 60, rest % 60);
    if (ms != 0) {
        out += fmt::format(".{:03}", ms);
    }
    out += 'Z';
    return out;
}

}  // namespace ev
