// Filter: which nodes a request is for (-F fact tests, -C classes, -I
// identities, -A agents, -S an expression over facts), its JSON form in a
// request body, and its test against one node's registration data. The
// client tests it against discovered nodes; every agent tests it again
// against itself, so a request's filter holds whatever the client knew.
#pragma once

#include <simdjson.h>

#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "core/json.h"
#include "core/result.h"

namespace ev::rpc {

/// One -F test: a fact, an operator (= != < > <= >= =~) and a value.
struct FactTest {
    std::string fact;
    std::string op;
    std::string value;
};

/// A request's filter; every part must hold (AND). Within -I the
/// identities are alternatives (any one names the node); within -F, -C and
/// -A every entry must hold.
struct Filter {
    std::vector<FactTest> facts;
    std::vector<std::string> classes;   ///< a class name, or /regex/
    std::vector<std::string> identity;  ///< a host name or agent id, or /regex/
    std::vector<std::string> agents;    ///< an agent (action namespace) the node must have
    std::string expr;                   ///< an expression over the facts (docs/expressions.md)

    /// True when nothing is filtered: every node matches.
    bool empty() const;
};

/// What a filter is tested against: a node as its registration describes it.
struct Node {
    std::string agent_id;                                    ///< the fingerprint of its key
    std::string host;                                        ///< its fully qualified host name
    Json facts = Json::object();                             ///< its facts, an object
    std::vector<std::string> classes;                        ///< its classes
    std::map<std::string, std::vector<std::string>> agents;  ///< agent name -> actions
    double time = 0;                                         ///< when it registered (epoch seconds)
    double ttl = 0;                                          ///< how long that registration holds
};

/// Parses the text of one -F option: "fact=value", "fact!=value",
/// "fact<value" ... "fact=~regex" (the regex may be written /regex/).
Result<FactTest> parse_fact_test(std::string_view text);

/// The filter as the request body's "filter" object.
Json filter_to_json(const Filter& filter);

/// Reads a request body's "filter" object; the error says what is malformed.
Result<Filter> filter_from_json(simdjson::dom::element element);

/// A filter ready to test nodes: its regexes and expression compiled.
class Matcher {
public:
    /// Compiles filter; an error names the bad regex, operator or expression.
    static Result<Matcher> compile(const Filter& filter);

    /// True when node passes every part of the filter.
    bool matches(const Node& node) const;

    Matcher(Matcher&&) noexcept;
    Matcher& operator=(Matcher&&) noexcept;
    ~Matcher();

private:
    struct Impl;
    explicit Matcher(std::unique_ptr<Impl> impl);
    std::unique_ptr<Impl> m_impl;
};

/// The value of fact in facts: a member, else a dotted path into nested
/// objects ("os.family"); nullptr when absent.
const Json* find_fact(const Json& facts, std::string_view fact);

}  // namespace ev::rpc
