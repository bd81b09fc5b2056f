#include "batch/action.h"

namespace ev::batch {

ChildSpec action_spec(std::vector<std::string> argv, std::vector<std::string> env, std::string input,
                      const ActionPolicy& policy, uint64_t tag) {
    ChildSpec spec;
    spec.spawn.argv = std::move(argv);
    spec.spawn.inherit_env = true;
    spec.spawn.env = std::move(env);
    spec.spawn.stdin_mode = StdinMode::bytes;
    spec.spawn.stdin_bytes = std::move(input);
    spec.spawn.stdout_mode = OutputMode::capture;
    spec.spawn.stderr_mode = OutputMode::merge;
    spec.tag = tag;
    spec.stdout_cap = policy.output_limit;
    spec.keep = Keep::tail;
    spec.timeout = policy.timeout;
    spec.kill_grace = policy.kill_after;
    spec.eof_grace = 0;
    spec.leftovers = Leftovers::leave;
    spec.report_at_timeout = false;
    return spec;
}

}  // namespace ev::batch
