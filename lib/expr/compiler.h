// Compiler: turns a syntax tree into evaluable nodes; resolves functions,
// precompiles regexes and folds constant subexpressions.
#pragma once

#include <cstddef>
#include <string_view>
#include <vector>

#include "core/clock.h"
#include "core/path.h"
#include "core/result.h"
#include "expr/evaluator.h"
#include "expr/parser.h"

namespace ev::expr {

/// The output of the compiler: the root node and the fields it reads.
struct Compiled {
    /// The node that computes the expression's value.
    NodePtr root;
    /// Every field path the expression reads, in order of first appearance, without repeats.
    std::vector<Path> fields;
};

/// Compiles ast (parsed from source, which error messages quote) against clock for now().
Result<Compiled> compile(const Ast& ast, std::string_view source, const Clock& clock);

/// One built-in function as the compiler knows it.
struct FunctionInfo {
    /// The name as written in expressions.
    std::string_view name;
    /// Fewest arguments accepted.
    std::size_t min_args;
    /// Most arguments accepted (SIZE_MAX: any number).
    std::size_t max_args;
};

/// The built-in functions, exists() included; for documentation and tests.
const std::vector<FunctionInfo>& builtin_functions();

}  // namespace ev::expr
