// OID names: the built-in table of SNMPv2-MIB, SNMP-COMMUNITY-MIB and IF-MIB
// names every trap receiver needs, and net-snmp's MIB tree when --mibs
// loaded one, so traps read the same with or without MIB files.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace ev::snmptrap {

/// Well-known OIDs, dotted without a leading dot.
namespace oids {
inline constexpr std::string_view k_sys_uptime_0 = "1.3.6.1.2.1.1.3.0";
inline constexpr std::string_view k_snmp_trap_oid_0 = "1.3.6.1.6.3.1.1.4.1.0";
inline constexpr std::string_view k_snmp_trap_enterprise_0 = "1.3.6.1.6.3.1.1.4.3.0";
inline constexpr std::string_view k_snmp_trap_address_0 = "1.3.6.1.6.3.18.1.3.0";
inline constexpr std::string_view k_snmp_trap_community_0 = "1.3.6.1.6.3.18.1.4.0";
inline constexpr std::string_view k_snmp_traps = "1.3.6.1.6.3.1.1.5";
inline constexpr std::string_view k_link_down = "1.3.6.1.6.3.1.1.5.3";
inline constexpr std::string_view k_link_up = "1.3.6.1.6.3.1.1.5.4";
inline constexpr std::string_view k_if_index = "1.3.6.1.2.1.2.2.1.1";
}  // namespace oids

/// The name of a dotted OID: the longest built-in prefix ("IF-MIB::ifIndex")
/// followed by the rest of the OID (".3"); else, when MIBs are loaded,
/// net-snmp's name; else the OID itself.
std::string oid_name(std::string_view oid);

/// The dotted OID of a name: a built-in name with an optional numeric
/// suffix ("IF-MIB::linkDown", "IF-MIB::ifIndex.3"), a MIB name when MIBs
/// are loaded, or a dotted OID (a leading dot allowed). Nothing when unknown.
std::optional<std::string> oid_of(std::string_view name);

/// The type of an instance of a built-in object ("integer" for ifIndex.3),
/// empty when the table does not know it.
std::string_view builtin_type(std::string_view oid);

/// True when oid equals prefix or lies below it (component-wise).
bool oid_under(std::string_view oid, std::string_view prefix);

/// True for a dotted OID: digits separated by single dots, no leading dot.
bool is_dotted_oid(std::string_view text);

/// Initialises net-snmp once for this process: no configuration files, no
/// persistent files, no logging, and no MIB files unless mib_dir names a
/// folder whose every MIB file is then loaded (--mibs), so names outside the
/// built-in table are known too.
void init_library(const std::string& mib_dir = {});

}  // namespace ev::snmptrap
