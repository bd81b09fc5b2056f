// Inhibition (Alertmanager's inhibit_rules): while a source alert fires,
// target alerts whose listed fields equal the source's are muted, so one
// root cause (a switch down) pages once, not once per host behind it.
#pragma once

#include <simdjson.h>

#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "core/clock.h"
#include "core/path.h"
#include "core/result.h"
#include "core/state.h"
#include "expr/expr.h"

namespace ev::batch {

/// One rule as written: two expressions and the fields that must be equal.
struct InhibitRule {
    std::string source;              ///< expression: which firing alerts inhibit
    std::string target;              ///< expression: which alerts they inhibit
    std::vector<std::string> equal;  ///< field paths whose values must be equal on both
};

/// Reads FIELD[,FIELD...] (the third value of --inhibit) into paths; an
/// empty list is allowed (then every source inhibits every target).
Result<std::vector<std::string>> parse_equal_fields(std::string_view text);

/// Parses an --inhibit-rules file: one JSON object per line,
/// {"source":EXPR,"target":EXPR,"equal":["FIELD",...]} (`equal` optional),
/// blank lines and `#` lines skipped; the error reads "NAME:LINE: why".
Result<std::vector<InhibitRule>> parse_inhibit_rules(std::string_view text, std::string_view name);

/// Reads and parses an --inhibit-rules file.
Result<std::vector<InhibitRule>> read_inhibit_rules(const std::string& path);

/// The compiled rules and, per rule, an index of the firing sources by the
/// values of their equal fields, kept up to date event by event.
class Inhibitor {
public:
    /// Compiles rules; the error names the rule and the expression at fault.
    static Result<Inhibitor> compile(const std::vector<InhibitRule>& rules, const Clock& clock);

    Inhibitor();
    ~Inhibitor();
    Inhibitor(Inhibitor&&) noexcept;
    Inhibitor& operator=(Inhibitor&&) noexcept;

    /// Records the latest event of identity (subject, name): a non-ok event
    /// that matches a rule's source makes the identity a source of that
    /// rule; any other event ends it being one.
    void update(std::string_view subject, std::string_view name, simdjson::dom::element event, State state);

    /// True when event matches a rule's target
    /// and a firing source of that rule has equal values in every equal
    /// field (a field missing on both sides is equal). As in Alertmanager,
    /// when the target also matches the rule's source, sources that also
    /// match its target do not count, so an alert never inhibits itself.
    bool inhibited(simdjson::dom::element event);

    /// True when there are rules at all.
    bool empty() const { return m_rules.empty(); }

private:
    struct Rule;
    // The rules one identity is a source of: (rule index, equal values, also a target).
    struct SourceOf {
        std::size_t rule;
        std::string values;
        bool two_sided;
    };
    std::vector<std::unique_ptr<Rule>> m_rules;
    std::unordered_map<std::string, std::vector<SourceOf>> m_sources;  // identity -> what it is a source of
    std::string m_identity;
    std::string m_values;
};

}  // namespace ev::batch
