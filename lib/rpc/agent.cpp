#include "rpc/agent.h"

#include "core/exit_code.h"

namespace ev::rpc {

int run_agent(const AgentOptions& options, Diagnostics& diag) {
    diag.error("agent: under construction");
    return exit_code::k_usage;
}

}  // namespace ev::rpc
