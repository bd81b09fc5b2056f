#include "snmptrap/traphandle.h"

#include <arpa/inet.h>

#include <fmt/format.h>

#include <charconv>

#include "core/escape.h"
#include "snmptrap/names.h"

namespace ev::snmptrap {

namespace {

std::string_view next_line(std::string_view& text) {
    std::size_t nl = text.find('\n');
    std::string_view line = text.substr(0, nl);
    text = nl == std::string_view::npos ? std::string_view() : text.substr(nl + 1);
    if (!line.empty() && line.back() == '\r') {
        line.remove_suffix(1);
    }
    return line;
}

// "UDP: [127.0.0.1]:42144->[127.0.0.1]:162" or "UDP/IPv6: [::1]:60705".
Result<void> parse_transport(std::string_view line, Trap& trap) {
    std::size_t open = line.find('[');
    std::size_t close = line.find(']', open == std::string_view::npos ? 0 : open);
    if (open == std::string_view::npos || close == std::string_view::npos) {
        return make_error(fmt::format("transport line '{}': no [ADDRESS]", escape_prefix(line)));
    }
    std::string address(line.substr(open + 1, close - open - 1));
    unsigned char buf[16];
    char text[INET6_ADDRSTRLEN];
    // The address as inet_ntop writes it, never the input's bytes (a NUL
    // would end what inet_pton reads and leave the rest in the event).
    bool v4 = inet_pton(AF_INET, address.c_str(), buf) == 1;
    if (address.find('\0') != std::string::npos || (!v4 && inet_pton(AF_INET6, address.c_str(), buf) != 1) ||
        inet_ntop(v4 ? AF_INET : AF_INET6, buf, text, sizeof text) == nullptr) {
        return make_error(fmt::format("transport line '{}': not an IP address", escape_prefix(line)));
    }
    trap.peer = text;
    std::string_view rest = line.substr(close + 1);
    if (!rest.empty() && rest.front() == ':') {
        unsigned port = 0;
        auto [end, ec] = std::from_chars(rest.data() + 1, rest.data() + rest.size(), port);
        if (ec == std::errc() && port <= 65535) {
            trap.peer_port = static_cast<uint16_t>(port);
        }
    }
    return {};
}

int hex_digit(char c) {
    if (c >= '0' && c <= '9') {
        return c - '0';
    }
    if (c >= 'A' && c <= 'F') {
        return c - 'A' + 10;
    }
    return -1;
}

// net-snmp's Hex-STRING text: "00 FF 41 ", every pair followed by a space,
// and a line break after every 16 pairs.
bool parse_hex(std::string_view text, std::string& bytes) {
    if (text.empty() || (text.back() != ' ' && text.back() != '\n')) {
        return false;
    }
    bytes.clear();
    std::size_t i = 0;
    while (i < text.size()) {
        if (text[i] == ' ' || text[i] == '\n') {
            ++i;
            continue;
        }
        if (i + 2 >= text.size()) {
            return false;
        }
        int hi = hex_digit(text[i]);
        int lo = hex_digit(text[i + 1]);
        if (hi < 0 || lo < 0 || text[i + 2] != ' ') {
            return false;
        }
        bytes += static_cast<char>(hi * 16 + lo);
        i += 3;
    }
    return !bytes.empty();
}

bool is_ipv4(std::string_view text) {
    unsigned char buf[4];
    return inet_pton(AF_INET, std::string(text).c_str(), buf) == 1 &&
           text.find_first_not_of("0123456789.") == text.npos;
}

template <class T>
bool parse_number(std::string_view text, T& value) {
    auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
    return ec == std::errc() && end == text.data() + text.size() && !text.empty();
}

// D:H:MM:SS.CC, the TimeTicks form without -Ot.
bool parse_ticks(std::string_view text, uint64_t& ticks) {
    uint64_t parts[4];
    for (int i = 0; i < 3; ++i) {
        std::size_t colon = text.find(':');
        if (colon == std::string_view::npos || !parse_number(text.substr(0, colon), parts[i])) {
            return false;
        }
        text.remove_prefix(colon + 1);
    }
    std::size_t dot = text.find('.');
    uint64_t centi = 0;
    if (dot == std::string_view::npos || !parse_number(text.substr(0, dot), parts[3]) ||
        !parse_number(text.substr(dot + 1), centi)) {
        return false;
    }
    ticks = (((parts[0] * 24 + parts[1]) * 60 + parts[2]) * 60 + parts[3]) * 100 + centi;
    return true;
}

Result<Varbind> parse_value(std::string oid, std::string_view value) {
    Varbind v;
    v.oid = std::move(oid);
    if (!value.empty() && value.front() == '"') {
        std::string_view inner = value.substr(1, value.size() - 2);
        std::string bytes;
        if (!parse_hex(inner, bytes)) {
            bytes.clear();
            for (std::size_t i = 0; i < inner.size(); ++i) {
                if (inner[i] == '\\' && i + 1 < inner.size()) {
                    ++i;
                }
                bytes += inner[i];
            }
        }
        v.type = "string";
        v.value = bytes_value(bytes, v.hex);
        return v;
    }
    if (value.size() > 1 && value.front() == '.' && is_dotted_oid(value.substr(1))) {
        v.type = "oid";
        v.value = std::string(value.substr(1));
        return v;
    }
    if (is_ipv4(value)) {
        v.type = "ipaddress";
        v.value = std::string(value);
        return v;
    }
    // An enumeration printed by name: up(1).
    if (std::size_t open = value.rfind('('); open != std::string_view::npos && value.back() == ')') {
        int64_t n = 0;
        if (parse_number(value.substr(open + 1, value.size() - open - 2), n)) {
            v.type = "integer";
            v.value = n;
            return v;
        }
    }
    uint64_t ticks = 0;
    if (parse_ticks(value, ticks)) {
        v.type = "timeticks";
        v.value = ticks;
        return v;
    }
    uint64_t u = 0;
    int64_t i = 0;
    if (parse_number(value, u)) {
        std::string_view known = builtin_type(v.oid);
        v.type = known == "integer" || known == "timeticks" ? std::string(known) : std::string("number");
        v.value = u;
        return v;
    }
    if (parse_number(value, i)) {
        v.type = "integer";
        v.value = i;
        return v;
    }
    v.type = "text";
    bool hex = false;
    v.value = bytes_value(value, hex);
    v.hex = hex;
    return v;
}

}  // namespace

Result<Trap> parse_traphandle(std::string_view text) {
    Trap trap;
    next_line(text);  // snmptrapd's host name of the sender: the subject comes from the address
    if (text.empty()) {
        return make_error("no transport line");
    }
    if (auto t = parse_transport(next_line(text), trap); !t) {
        return std::move(t).take_error();
    }
    while (!text.empty()) {
        std::size_t space = text.find_first_of(" \n");
        std::string_view oid_text = text.substr(0, space);
        if (oid_text.empty() || space == std::string_view::npos || text[space] != ' ') {
            std::string_view line = next_line(text);
            if (line.empty()) {
                continue;
            }
            return make_error(fmt::format("varbind line '{}': expected OID VALUE", escape_prefix(line)));
        }
        auto oid = oid_of(oid_text);
        if (!oid) {
            return make_error(fmt::format("'{}': not a numeric OID or a known name (run snmptrapd with -On)",
                                          escape_prefix(oid_text)));
        }
        text.remove_prefix(space + 1);
        std::string_view value;
        if (!text.empty() && text.front() == '"') {
            // A quoted value may span lines (long Hex-STRINGs do); it ends at an unescaped quote.
            std::size_t i = 1;
            while (i < text.size() && text[i] != '"') {
                i += text[i] == '\\' ? 2 : 1;
            }
            if (i >= text.size()) {
                return make_error(fmt::format("{}: unterminated string", *oid));
            }
            value = text.substr(0, i + 1);
            text.remove_prefix(i + 1);
            if (!next_line(text).empty()) {
                return make_error(fmt::format("{}: text after the closing quote", *oid));
            }
        } else {
            value = next_line(text);
        }
        auto v = parse_value(*oid, value);
        if (!v) {
            return std::move(v).take_error();
        }
        trap.varbinds.push_back(std::move(*v));
    }
    const Varbind* trap_oid = trap.find(oids::k_snmp_trap_oid_0);
    if (trap_oid == nullptr || trap_oid->type != "oid") {
        return make_error("no snmpTrapOID.0 varbind");
    }
    trap.trap_oid = trap_oid->value.as_string();
    if (const Varbind* up = trap.find(oids::k_sys_uptime_0); up != nullptr && up->type == "timeticks") {
        trap.uptime = static_cast<uint64_t>(up->value.as_integer());
    }
    if (const Varbind* c = trap.find(oids::k_snmp_trap_community_0); c != nullptr && c->type == "string") {
        trap.community = c->value.as_string();
        trap.community_hex = c->hex;
    }
    return trap;
}

}  // namespace ev::snmptrap
