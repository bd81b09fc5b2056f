// Action: how evbatch runs its commands (each mode's actions and group
// mode's command runs alike) on the one process layer, core/child_set.h.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "core/child_set.h"

namespace ev::batch {

/// The limits every command run of one evbatch gets.
struct ActionPolicy {
    std::size_t output_limit = 4096;  ///< bytes of output kept: the last ones
    double timeout = 0;               ///< seconds until SIGTERM to its group; 0: none
    double kill_after = 5;            ///< seconds from that SIGTERM to SIGKILL
};

/// The child for one run: argv started with posix_spawn (never a shell) in a
/// process group of its own, our environment plus env ("NAME=value"), input
/// on its stdin (then end of file), stdout and stderr merged into one
/// capture that keeps the last output_limit bytes. Its result comes as soon
/// as it exits (no EOF grace): what it wrote is read then, and a background
/// process it left holding the output neither delays the result nor is
/// killed (Leftovers::leave; a timed-out or stopped run's group is killed).
ChildSpec action_spec(std::vector<std::string> argv, std::vector<std::string> env, std::string input,
                      const ActionPolicy& policy, uint64_t tag);

}  // namespace ev::batch
