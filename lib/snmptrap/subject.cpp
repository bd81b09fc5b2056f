#include "snmptrap/subject.h"

#include <arpa/inet.h>
#include <netdb.h>
#include <simdjson.h>
#include <sys/socket.h>

#include <fmt/format.h>

#include <fstream>
#include <sstream>

#include "core/escape.h"

namespace ev::snmptrap {

namespace {

std::string reverse_lookup(const std::string& address) {
    sockaddr_storage ss{};
    socklen_t length = 0;
    auto* v4 = reinterpret_cast<sockaddr_in*>(&ss);
    auto* v6 = reinterpret_cast<sockaddr_in6*>(&ss);
    if (inet_pton(AF_INET, address.c_str(), &v4->sin_addr) == 1) {
        v4->sin_family = AF_INET;
        length = sizeof(*v4);
    } else if (inet_pton(AF_INET6, address.c_str(), &v6->sin6_addr) == 1) {
        v6->sin6_family = AF_INET6;
        length = sizeof(*v6);
    } else {
        return address;
    }
    char host[NI_MAXHOST];
    if (getnameinfo(reinterpret_cast<sockaddr*>(&ss), length, host, sizeof(host), nullptr, 0, NI_NAMEREQD) != 0) {
        return address;
    }
    std::string name(host);
    // A name is only taken when it is plain text: DNS data is hostile too.
    if (!simdjson::validate_utf8(name.data(), name.size()) || escape_text(name) != name) {
        return address;
    }
    return name;
}

}  // namespace

Result<std::unordered_map<std::string, std::string>> Subjects::parse_map(std::string_view text, std::string_view file) {
    std::unordered_map<std::string, std::string> map;
    std::size_t number = 0;
    while (!text.empty()) {
        std::size_t nl = text.find('\n');
        std::string line(text.substr(0, nl));
        text = nl == std::string_view::npos ? std::string_view() : text.substr(nl + 1);
        ++number;
        if (std::size_t hash = line.find('#'); hash != std::string::npos) {
            line.resize(hash);
        }
        std::istringstream words(line);
        std::string address;
        std::string name;
        std::string extra;
        if (!(words >> address)) {
            continue;
        }
        if (!(words >> name) || (words >> extra)) {
            return make_error(fmt::format("{}:{}: expected ADDRESS NAME", file, number));
        }
        unsigned char buf[16];
        char text[INET6_ADDRSTRLEN];
        bool v4 = inet_pton(AF_INET, address.c_str(), buf) == 1;
        if (address.find('\0') != std::string::npos || (!v4 && inet_pton(AF_INET6, address.c_str(), buf) != 1) ||
            inet_ntop(v4 ? AF_INET : AF_INET6, buf, text, sizeof text) == nullptr) {
            return make_error(fmt::format("{}:{}: '{}' is not an IP address", file, number, escape_prefix(address)));
        }
        address = text;  // the form packets' addresses are written in (2001:db8::2, not 2001:DB8:0::2)
        if (!simdjson::validate_utf8(name.data(), name.size())) {
            return make_error(fmt::format("{}:{}: the name is not valid UTF-8", file, number));
        }
        map[address] = name;
    }
    return map;
}

Result<std::unordered_map<std::string, std::string>> Subjects::load_map(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) {
        return make_error(fmt::format("{}: cannot open", path));
    }
    std::ostringstream text;
    text << in.rdbuf();
    return parse_map(text.str(), path);
}

const std::string& Subjects::subject(const std::string& address, double now) {
    if (auto it = m_map.find(address); it != m_map.end()) {
        return it->second;
    }
    if (!m_resolve) {
        return address;
    }
    auto it = m_cache.find(address);
    if (it != m_cache.end() && it->second.until > now) {
        return it->second.name;
    }
    if (m_cache.size() > 65536) {
        m_cache.clear();
    }
    std::string name = reverse_lookup(address);
    double keep = name == address ? 300 : 3600;
    Cached& slot = m_cache[address];
    slot.name = std::move(name);
    slot.until = now + keep;
    return slot.name;
}

}  // namespace ev::snmptrap
