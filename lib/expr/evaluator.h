// Evaluator: the executable form of an expression, a tree of nodes that each
// own their scratch memory, so evaluating allocates nothing in the steady state.
#pragma once

#include <simdjson.h>

#include <memory>
#include <string>
#include <vector>

#include "core/clock.h"
#include "core/fields.h"
#include "core/path.h"
#include "expr/value.h"

namespace re2 {
class RE2;
}

namespace ev::expr {

/// The first run-time type error of one evaluation ("a" + null, a bad
/// parse_time string); the value is then null and the result not trusted.
struct EvalError {
    /// True once an error was met.
    bool set = false;
    /// Byte offset in the source of the operator or call that failed.
    std::size_t offset = 0;
    /// "type error at offset N: what" (one line).
    std::string message;
};

/// What a node may look at while evaluating: the event and the clock.
struct Context {
    /// The event being evaluated (the root of every path).
    simdjson::dom::element event;
    /// The clock now() reads; null reads as time 0.
    const Clock* clock = nullptr;
    /// The event's read fields when the caller has them (Input's Record): a
    /// path whose first key is one starts there instead of at the event.
    const ReadFields* fields = nullptr;
    /// The element bound to the name `item` (evfilter --each); a path that
    /// starts with `item` starts there instead of at the event.
    const simdjson::dom::element* item = nullptr;
    /// Where a type error is recorded; null: errors are only null values.
    EvalError* error = nullptr;
};

/// Records a type error at offset (the first of an evaluation wins) and returns null.
Value type_error(const Context& ctx, std::size_t offset, std::string_view what);

/// One evaluable node; a value it returns stays valid until the node is evaluated again.
class Node {
public:
    virtual ~Node() = default;
    /// Computes the node's value for ctx; never fails.
    virtual Value eval(const Context& ctx) = 0;
    /// True when the node's value is fixed at compile time (a constant).
    virtual bool is_constant() const { return false; }
};

/// Owning pointer to a node.
using NodePtr = std::unique_ptr<Node>;

/// Binary operators that evaluate both operands.
enum class BinaryOp { eq, ne, lt, le, gt, ge, in, add, sub, mul, div };

/// Built-in functions other than exists(), which takes a path rather than a value.
enum class Function {
    lower,
    upper,
    len,
    starts_with,
    ends_with,
    contains,
    now,
    number,
    string,
    abs,
    floor,
    ceil,
    round,
    min,
    max,
    coalesce,
    type,
    if_,
    parse_time,
    format_time
};

/// A constant; strings and list items of v are copied into the node.
NodePtr make_constant(const Value& v);
/// The value of the field at path, null when missing.
NodePtr make_path(Path path);
/// True when the field at path is present, even when it is null.
NodePtr make_exists(Path path);
/// Boolean negation by truthiness.
NodePtr make_not(NodePtr operand);
/// Arithmetic negation; null for null, a type error for other non-numbers.
NodePtr make_negate(NodePtr operand, std::size_t offset = 0);
/// Short-circuit && by truthiness, yielding a boolean.
NodePtr make_and(NodePtr left, NodePtr right);
/// Short-circuit || by truthiness, yielding a boolean.
NodePtr make_or(NodePtr left, NodePtr right);
/// A comparison, membership or arithmetic operator (offset: where a type error points).
NodePtr make_binary(BinaryOp op, NodePtr left, NodePtr right, std::size_t offset = 0);
/// A list built from item expressions.
NodePtr make_list(std::vector<NodePtr> items);
/// subject =~ regex (or !~ when negate), with the regex compiled ahead of time.
NodePtr make_match(NodePtr subject, std::unique_ptr<re2::RE2> regex, bool negate);
/// subject =~ pattern where the pattern is computed per event; one compiled regex is cached.
NodePtr make_dynamic_match(NodePtr subject, NodePtr pattern, bool negate);
/// A call of a built-in function; the caller has checked the arity.
NodePtr make_call(Function function, std::vector<NodePtr> args, std::size_t offset = 0);

/// Computes the arithmetic or comparison result of op on two values (no
/// storage needed, so string + string is null here: the node concatenates).
Value apply_binary(BinaryOp op, const Value& left, const Value& right);

/// True when arithmetic op on these operands is a type error: an operand that
/// is a string (but for string + string), a boolean, an array or an object.
/// null (a missing field) with a number is no error: the result is null.
bool arithmetic_type_error(BinaryOp op, const Value& left, const Value& right);

}  // namespace ev::expr
