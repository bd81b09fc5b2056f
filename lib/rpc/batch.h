// Batches: --limit N or P% (how many of the discovered nodes a call goes
// to) and --batch N (how many at a time), as a plan of target groups in
// the order they are called.
#pragma once

#include <cstddef>
#include <optional>
#include <string_view>
#include <vector>

#include "core/result.h"
#include "rpc/discovery.h"

namespace ev::rpc {

/// --limit: a count of nodes or a percentage of those discovered.
struct Limit {
    double value = 0;
    bool percent = false;
    /// How many of total nodes it allows: the count, or the percentage
    /// rounded up (so a non-zero percentage of any node allows one).
    std::size_t of(std::size_t total) const;
};

/// Parses "N" (a positive integer) or "P%" (0 < P <= 100).
Result<Limit> parse_limit(std::string_view text);

/// The groups targets are called in: the first limit.of() targets (in the
/// order given: discovery sorts by host, a host list keeps its order), in
/// groups of batch (0: all at once).
std::vector<std::vector<Target>> plan_batches(std::vector<Target> targets, std::optional<Limit> limit,
                                              std::size_t batch);

}  // namespace ev::rpc
