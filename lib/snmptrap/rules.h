// Rules: which traps become statuses of which identity. Built-in rules map
// IF-MIB linkDown/linkUp onto IF-MIB::ifOperStatus.N; a rules file (--rules)
// adds its own, read before the built-in ones.
//
// One rule a line, words separated by spaces, '#' starts a comment:
//   exact|subtree TRAP ACTION [index=VARBIND] [name=NAME] [ttl=DURATION]
// TRAP and VARBIND are dotted OIDs or built-in (or --mibs) names; ACTION is
// ok, warning, critical, unknown or archive.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.h"
#include "core/state.h"

namespace ev::snmptrap {

/// One mapping from a trap OID to an event.
struct Rule {
    std::string trap_oid;        ///< dotted
    bool subtree = false;        ///< matches trap_oid and every OID below it
    std::optional<State> state;  ///< the status's state; nothing: an archive event
    std::string index_oid;       ///< the varbind (column) whose instance suffix ends the name; empty: none
    std::string name;            ///< the event's name; empty: the trap's name
    std::optional<double> ttl;   ///< the status's ttl
    std::size_t line = 0;        ///< where it was written (0: built in)
};

/// The rules in the order they are tried; the first match wins.
class RuleSet {
public:
    RuleSet() = default;
    explicit RuleSet(std::vector<Rule> rules) : m_rules(std::move(rules)) {}

    /// The first rule matching trap_oid, or nullptr.
    const Rule* match(std::string_view trap_oid) const;
    const std::vector<Rule>& rules() const { return m_rules; }

private:
    std::vector<Rule> m_rules;
};

/// The built-in rules: linkDown is critical, linkUp ok, both named
/// IF-MIB::ifOperStatus.N by the ifIndex varbind's instance N.
std::vector<Rule> builtin_rules();

/// Parses a rules file's text; errors name file and line.
Result<std::vector<Rule>> parse_rules(std::string_view text, std::string_view file);

/// Reads and parses a rules file.
Result<std::vector<Rule>> load_rules(const std::string& path);

}  // namespace ev::snmptrap
