// Policy: who may call what on this agent. Two files, both re-read on
// SIGHUP (a bad new one keeps the old policy and says why):
//   authorized keys   "ed25519 BASE64 [NAME]" per line: the callers whose
//                     signatures the agent accepts at all
//   policy            "allow|deny CALLER ACTIONS [FACT-TEST ...]" per line;
//                     the first line that matches decides, and nothing
//                     matching means deny
// CALLER is a key's NAME, its fingerprint, or "*" (any authorized key);
// ACTIONS is a comma list of AGENT.ACTION, AGENT.* or *; a FACT-TEST
// (fact=value, != < > <= >= =~, as -F) limits the line to nodes whose facts
// pass. docs/rpc.md, "Authorized keys and policy", gives the format.
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.h"
#include "rpc/filter.h"

namespace ev::rpc {

/// A caller's key as the authorized keys file lists it. (Not "Caller":
/// that is the client in rpc/call.h, and two classes of one name in one
/// namespace broke the one-definition rule: libFuzzer caught the client's
/// destructor run on this struct.)
struct AuthorizedCaller {
    std::string pub;          ///< raw public key
    std::string fingerprint;  ///< fingerprint(pub)
    std::string name;         ///< the NAME column, else the fingerprint
};

/// What the policy says about one request.
struct Decision {
    bool allowed = false;
    std::string reason;  ///< "policy line N" or why it is refused
};

/// The parsed authorized keys and policy.
class Policy {
public:
    /// Parses both files' texts; errors read "FILE:LINE: message".
    static Result<Policy> parse(std::string_view keys_text, std::string_view keys_file, std::string_view policy_text,
                                std::string_view policy_file);
    /// Reads and parses both files.
    static Result<Policy> load(const std::string& keys_path, const std::string& policy_path);

    Policy();
    Policy(Policy&&) noexcept;
    Policy& operator=(Policy&&) noexcept;
    ~Policy();

    /// The authorized caller with this fingerprint, or nullptr.
    const AuthorizedCaller* caller(std::string_view fingerprint) const;

    /// Whether caller may run agent.action on node (this agent's own node).
    Decision decide(const AuthorizedCaller& caller, std::string_view agent, std::string_view action,
                    const Node& node) const;

    /// How many keys and rules were loaded.
    std::size_t key_count() const;
    std::size_t rule_count() const;

private:
    struct Rule;
    std::vector<AuthorizedCaller> m_callers;
    std::vector<std::unique_ptr<Rule>> m_rules;
};

/// Parses one authorized keys line ("ed25519 BASE64 [NAME]"); for the
/// client's known-agents file too.
Result<AuthorizedCaller> parse_key_line(std::string_view line);

}  // namespace ev::rpc
