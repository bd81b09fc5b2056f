#include "graphite/destination.h"

#include <fmt/format.h>

#include <charconv>

namespace ev::graphite {

namespace {

bool plain(std::string_view s, bool allow_colon) {
    for (char c : s) {
        bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' || c == '-' ||
                  c == '_' || (allow_colon && c == ':');
        if (!ok) {
            return false;
        }
    }
    return true;
}

}  // namespace

std::string Destination::to_string() const {
    std::string text =
        host.find(':') != std::string::npos ? fmt::format("[{}]:{}", host, port) : fmt::format("{}:{}", host, port);
    if (!instance.empty()) {
        text += ':';
        text += instance;
    }
    return text;
}

std::string Destination::spool_name() const {
    std::string name = fmt::format("{}_{}", host, port);
    if (!instance.empty()) {
        name += '_';
        name += instance;
    }
    for (char& c : name) {
        if (c == ':') {
            c = '-';
        }
    }
    return name;
}

Result<Destination> parse_destination(std::string_view text) {
    Destination dest;
    std::string_view rest;
    if (!text.empty() && text.front() == '[') {
        std::size_t close = text.rfind("]:");
        if (close == std::string_view::npos) {
            return make_error(fmt::format("destination '{}': expected [ADDRESS]:PORT", text));
        }
        dest.host = std::string(text.substr(1, close - 1));
        rest = text.substr(close + 2);
    } else {
        std::size_t colon = text.find(':');
        if (colon == std::string_view::npos) {
            return make_error(fmt::format("destination '{}': expected HOST:PORT[:INSTANCE]", text));
        }
        dest.host = std::string(text.substr(0, colon));
        rest = text.substr(colon + 1);
    }
    std::string_view port = rest;
    if (std::size_t colon = rest.find(':'); colon != std::string_view::npos) {
        port = rest.substr(0, colon);
        dest.instance = std::string(rest.substr(colon + 1));
        if (dest.instance.empty()) {
            return make_error(fmt::format("destination '{}': empty instance name", text));
        }
    }
    if (dest.host.empty() || !plain(dest.host, true)) {
        return make_error(fmt::format("destination '{}': bad host name", text));
    }
    if (!plain(dest.instance, false)) {
        return make_error(fmt::format("destination '{}': instance may hold only letters, digits, '.', '-', '_'", text));
    }
    unsigned value = 0;
    auto [end, error] = std::from_chars(port.data(), port.data() + port.size(), value);
    if (port.empty() || error != std::errc{} || end != port.data() + port.size() || value == 0 || value > 65535) {
        return make_error(fmt::format("destination '{}': bad port '{}'", text, port));
    }
    dest.port = static_cast<uint16_t>(value);
    return dest;
}

}  // namespace ev::graphite
