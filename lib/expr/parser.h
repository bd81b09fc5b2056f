// Parser: builds the syntax tree of an expression from the lexer's tokens.
#pragma once

#include <cstddef>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "core/path.h"
#include "core/result.h"

namespace ev::expr {

/// What a syntax tree node is.
enum class AstKind { null_literal, bool_literal, number, string, regex, list, path, call, unary, binary };

/// Operators of unary and binary nodes.
enum class AstOp { or_, and_, not_, negate, eq, ne, lt, le, gt, ge, match, not_match, in, add, sub, mul, div };

/// One node of the syntax tree.
struct Ast {
    /// What the node is.
    AstKind kind = AstKind::null_literal;
    /// Byte offset in the source where the node starts (a call: its name; an operator: the operator).
    std::size_t offset = 0;
    /// Height of the subtree, bounded so evaluation cannot exhaust the stack.
    std::size_t depth = 1;
    /// Value of a boolean literal.
    bool boolean = false;
    /// Value of a number or duration literal (seconds).
    double number = 0;
    /// String value, regex pattern, or function name.
    std::string text;
    /// Regex has the `i` flag.
    bool icase = false;
    /// The field of a path node.
    Path path;
    /// The operator of a unary or binary node.
    AstOp op = AstOp::or_;
    /// Operands, list items, or call arguments, left to right.
    std::vector<std::unique_ptr<Ast>> children;
};

/// Deepest syntax tree the parser accepts (long && chains count one per operator).
constexpr std::size_t k_max_depth = 1000;
/// Deepest nesting of parentheses, lists, calls and prefix operators the parser accepts.
constexpr std::size_t k_max_nesting = 128;

/// Parses a whole expression; the error is the formatted multi-line syntax error.
Result<std::unique_ptr<Ast>> parse(std::string_view source);

/// A compact Lisp-like rendering of the tree with explicit grouping, for tests: (&& (== subject "a") x).
std::string to_sexpr(const Ast& ast);

/// The source spelling of an operator ("&&", "=~", "-" for negate).
std::string_view op_name(AstOp op);

}  // namespace ev::expr
