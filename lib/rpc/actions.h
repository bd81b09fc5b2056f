// Actions: what an agent can run. The built-ins (rpcutil.ping,
// rpcutil.inventory, nagios.run) and the actions declared in the actions
// directory, one schema file AGENT.ACTION.json each (lib/rpc/schema.h)
// naming the executable that runs it.
#pragma once

#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "core/child_set.h"
#include "core/json.h"
#include "core/result.h"
#include "rpc/message.h"
#include "rpc/schema.h"

namespace ev::rpc {

/// One action the agent offers.
struct Action {
    enum class Kind { external, ping, inventory, nagios_run };
    Kind kind = Kind::external;
    ActionSchema schema;
};

/// The agent's actions by AGENT.ACTION.
class ActionSet {
public:
    /// The built-ins plus every AGENT.ACTION.json in dir (empty: none);
    /// nagios.run only when with_nagios. Errors name the file.
    static Result<ActionSet> load(const std::string& dir, bool with_nagios);

    /// Only rpcutil.ping (the benchmark's identities).
    static ActionSet ping_only();

    /// The action, or nullptr when it is not offered.
    const Action* find(std::string_view agent, std::string_view action) const;

    /// AGENT -> its actions, as the registration lists them.
    std::map<std::string, std::vector<std::string>> agents() const;

    /// AGENT -> ACTION -> schema, as rpcutil.inventory reports them.
    Json schemas() const;

private:
    std::map<std::string, Action> m_actions;  // by "AGENT.ACTION"
};

/// The child that runs an external action for request: its command, the
/// validated inputs as JSON on stdin, a minimal environment with the
/// request's context (EVRPC_REQUEST, EVRPC_CALLER, EVRPC_AGENT_ID), its timeout.
ChildSpec action_child(const Action& action, const Request& request, std::string_view caller_name,
                       std::string_view agent_id, std::size_t max_output);

/// Fills reply's status, code, message and data from a finished external
/// action: a JSON object on stdout is its data; exit 0 is ok, else failed.
void action_result(const ChildResult& result, double timeout, Reply& reply);

}  // namespace ev::rpc
