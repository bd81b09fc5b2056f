// Rules: the rules file syntax, parsed into named rules with compiled
// expressions and destination specifications. See docs/evroute.1.md.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.h"
#include "expr/expr.h"

namespace ev::route {

/// What happens to an event when a destination's queue is full.
enum class Policy { block, drop, spill };

/// The name of a policy as written in rules ("block", "drop", "spill").
std::string_view policy_name(Policy policy);

/// The kinds of destination a rule can name.
enum class DestKind { file, fifo, stdout_, consumer, callback, drop, kafka };

/// Where a consumer's standard output goes ("| DEST" in rules).
struct OutputSpec {
    DestKind kind = DestKind::drop;  ///< drop (the default: discarded), file, fifo, stdout or kafka
    std::string path;                ///< file and fifo; the topic for kafka
};

/// One destination as written: its kind and its path or argv.
struct DestSpec {
    DestKind kind = DestKind::drop;
    std::string path;               ///< file and fifo; the topic for kafka
    std::vector<std::string> argv;  ///< consumer and callback
    std::string name;               ///< "NAME:" in rules (file, fifo, consumer, callback); empty: none
    OutputSpec output;              ///< consumer: where its stdout goes

    /// A string that is equal exactly when two specs name the same destination.
    std::string key() const;
    /// The label in counters, metric names and messages: the name when one
    /// is given, else the spelled-out destination ("file alerts.ndjson",
    /// "consumer ./pager --to ops").
    std::string label() const;
    /// The destination as it would be written in a rule; parses back to an
    /// equal key.
    std::string text() const;
    /// The destination a consumer's output goes to (output.kind drop: none).
    DestSpec output_destination() const;
};

/// One parsed rule.
struct Rule {
    std::string name;
    std::string expression;                ///< empty: matches every event
    std::optional<expr::Program> program;  ///< compiled expression; nothing when empty
    std::vector<DestSpec> destinations;
    bool keep_going = false;  ///< "continue": later rules are tried too
    Policy policy = Policy::block;
    std::string origin;  ///< "FILE:LINE" where the rule starts
};

/// Parses a rules text. origin names it in errors ("rules.conf", "-e 2").
/// Errors read "ORIGIN:LINE:COL: message", then the line and a caret under the fault.
Result<std::vector<Rule>> parse_rules(std::string_view text, std::string_view origin);

/// Parses one destination as written after "->" (for --unmatched and --results).
Result<DestSpec> parse_destination(std::string_view text);

}  // namespace ev::route
