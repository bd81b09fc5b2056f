#include "snmptrap/names.h"

#include <net-snmp/net-snmp-config.h>
#include <net-snmp/net-snmp-includes.h>

#include <array>
#include <cstdlib>
#include <mutex>

namespace ev::snmptrap {

namespace {

struct Entry {
    std::string_view oid;
    std::string_view name;
    std::string_view type = {};  // the SYNTAX of an object, for input that lost it
};

// SNMPv2-MIB (RFC 3418), SNMP-COMMUNITY-MIB (RFC 3584) and IF-MIB (RFC 2863):
// the notifications and objects that traps about agents and ports carry.
constexpr std::array k_table{
    Entry{"1.3.6.1.2.1.1.1", "SNMPv2-MIB::sysDescr", "string"},
    Entry{"1.3.6.1.2.1.1.2", "SNMPv2-MIB::sysObjectID", "oid"},
    Entry{"1.3.6.1.2.1.1.3", "SNMPv2-MIB::sysUpTime", "timeticks"},
    Entry{"1.3.6.1.2.1.1.4", "SNMPv2-MIB::sysContact", "string"},
    Entry{"1.3.6.1.2.1.1.5", "SNMPv2-MIB::sysName", "string"},
    Entry{"1.3.6.1.2.1.1.6", "SNMPv2-MIB::sysLocation", "string"},
    Entry{"1.3.6.1.6.3.1.1.4.1", "SNMPv2-MIB::snmpTrapOID", "oid"},
    Entry{"1.3.6.1.6.3.1.1.4.3", "SNMPv2-MIB::snmpTrapEnterprise", "oid"},
    Entry{"1.3.6.1.6.3.1.1.5.1", "SNMPv2-MIB::coldStart"},
    Entry{"1.3.6.1.6.3.1.1.5.2", "SNMPv2-MIB::warmStart"},
    Entry{"1.3.6.1.6.3.1.1.5.3", "IF-MIB::linkDown"},
    Entry{"1.3.6.1.6.3.1.1.5.4", "IF-MIB::linkUp"},
    Entry{"1.3.6.1.6.3.1.1.5.5", "SNMPv2-MIB::authenticationFailure"},
    Entry{"1.3.6.1.6.3.18.1.3", "SNMP-COMMUNITY-MIB::snmpTrapAddress", "ipaddress"},
    Entry{"1.3.6.1.6.3.18.1.4", "SNMP-COMMUNITY-MIB::snmpTrapCommunity", "string"},
    Entry{"1.3.6.1.2.1.2.2.1.1", "IF-MIB::ifIndex", "integer"},
    Entry{"1.3.6.1.2.1.2.2.1.2", "IF-MIB::ifDescr", "string"},
    Entry{"1.3.6.1.2.1.2.2.1.3", "IF-MIB::ifType", "integer"},
    Entry{"1.3.6.1.2.1.2.2.1.7", "IF-MIB::ifAdminStatus", "integer"},
    Entry{"1.3.6.1.2.1.2.2.1.8", "IF-MIB::ifOperStatus", "integer"},
    Entry{"1.3.6.1.2.1.31.1.1.1.1", "IF-MIB::ifName", "string"},
    Entry{"1.3.6.1.2.1.31.1.1.1.18", "IF-MIB::ifAlias", "string"},
};

bool g_mibs = false;

bool all_digits(std::string_view s) {
    if (s.empty()) {
        return false;
    }
    for (char c : s) {
        if (c < '0' || c > '9') {
            return false;
        }
    }
    return true;
}

// net-snmp's name of a dotted OID, when a loaded MIB module knows it.
std::optional<std::string> mib_name(std::string_view dotted) {
    std::array<oid, MAX_OID_LEN> parts{};
    std::size_t count = 0;
    std::size_t start = 0;
    while (start <= dotted.size() && count < parts.size()) {
        std::size_t dot = dotted.find('.', start);
        std::string_view piece = dotted.substr(start, dot == std::string_view::npos ? dotted.npos : dot - start);
        parts[count++] = std::strtoul(std::string(piece).c_str(), nullptr, 10);
        if (dot == std::string_view::npos) {
            break;
        }
        start = dot + 1;
    }
    std::array<char, 1024> text{};
    int n = snprint_objid(text.data(), text.size(), parts.data(), count);
    if (n <= 0) {
        return std::nullopt;
    }
    std::string_view out(text.data(), static_cast<std::size_t>(n));
    if (out.find("::") == std::string_view::npos) {
        return std::nullopt;  // only the root's names (iso.3.6...): no module knows it
    }
    return std::string(out);
}

}  // namespace

bool is_dotted_oid(std::string_view text) {
    if (text.empty() || text.size() > 1400) {
        return false;
    }
    std::size_t start = 0;
    for (;;) {
        std::size_t dot = text.find('.', start);
        std::string_view piece = text.substr(start, dot == std::string_view::npos ? text.npos : dot - start);
        if (!all_digits(piece) || piece.size() > 10) {
            return false;
        }
        if (dot == std::string_view::npos) {
            return true;
        }
        start = dot + 1;
    }
}

bool oid_under(std::string_view oid, std::string_view prefix) {
    if (oid.size() < prefix.size() || oid.substr(0, prefix.size()) != prefix) {
        return false;
    }
    return oid.size() == prefix.size() || oid[prefix.size()] == '.';
}

std::string oid_name(std::string_view oid) {
    const Entry* best = nullptr;
    for (const Entry& e : k_table) {
        if (oid_under(oid, e.oid) && (best == nullptr || e.oid.size() > best->oid.size())) {
            best = &e;
        }
    }
    if (best != nullptr) {
        std::string out(best->name);
        out.append(oid.substr(best->oid.size()));
        return out;
    }
    if (g_mibs && is_dotted_oid(oid)) {
        if (auto name = mib_name(oid)) {
            return *name;
        }
    }
    return std::string(oid);
}

std::string_view builtin_type(std::string_view oid) {
    for (const Entry& e : k_table) {
        if (oid_under(oid, e.oid) && oid.size() > e.oid.size()) {
            return e.type;
        }
    }
    return {};
}

std::optional<std::string> oid_of(std::string_view name) {
    if (!name.empty() && name.front() == '.') {
        name.remove_prefix(1);
    }
    if (is_dotted_oid(name)) {
        return std::string(name);
    }
    for (const Entry& e : k_table) {
        if (name.substr(0, e.name.size()) != e.name) {
            continue;
        }
        std::string_view rest = name.substr(e.name.size());
        if (rest.empty()) {
            return std::string(e.oid);
        }
        if (rest.front() == '.' && is_dotted_oid(rest.substr(1))) {
            return std::string(e.oid) + std::string(rest);
        }
    }
    if (g_mibs && name.size() < 512) {
        std::array<oid, MAX_OID_LEN> parts{};
        std::size_t count = parts.size();
        if (read_objid(std::string(name).c_str(), parts.data(), &count) != 0 && count > 0) {
            std::string out;
            for (std::size_t i = 0; i < count; ++i) {
                if (i > 0) {
                    out += '.';
                }
                out += std::to_string(parts[i]);
            }
            return out;
        }
    }
    return std::nullopt;
}

void init_library(const std::string& mib_dir) {
    static std::once_flag once;
    std::call_once(once, [&] {
        // No init_snmp(): it reads configuration files and creates folders
        // under the persistent directory (cert_indexes), and nothing it sets
        // up is needed to parse and build v1/v2c messages. MIB files are
        // read only when asked for, from MIBDIRS (after the defaults).
        snmp_disable_log();
        // The library's one-time set-up (_init_snmp) runs here, so the
        // settings below are not overwritten by it later.
        snmp_session first;
        snmp_sess_init(&first);
        netsnmp_ds_set_boolean(NETSNMP_DS_LIBRARY_ID, NETSNMP_DS_LIB_DONT_READ_CONFIGS, 1);
        netsnmp_ds_set_boolean(NETSNMP_DS_LIBRARY_ID, NETSNMP_DS_LIB_DISABLE_PERSISTENT_LOAD, 1);
        netsnmp_ds_set_boolean(NETSNMP_DS_LIBRARY_ID, NETSNMP_DS_LIB_DISABLE_PERSISTENT_SAVE, 1);
        netsnmp_ds_set_int(NETSNMP_DS_LIBRARY_ID, NETSNMP_DS_LIB_MIB_WARNINGS, 0);
        netsnmp_ds_set_boolean(NETSNMP_DS_LIBRARY_ID, NETSNMP_DS_LIB_REVERSE_ENCODE, 1);
        if (!mib_dir.empty()) {
            setenv("MIBS", "ALL", 1);
            setenv("MIBDIRS", ("+" + mib_dir).c_str(), 1);
            netsnmp_init_mib();
            g_mibs = true;
        }
    });
}

}  // namespace ev::snmptrap
