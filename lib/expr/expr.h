// The expression language's public face: compile once, evaluate per event.
// See docs/expressions.md for the language.
#pragma once

#include <simdjson.h>

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "core/clock.h"
#include "core/fields.h"
#include "core/json.h"
#include "core/path.h"
#include "core/result.h"

namespace ev::expr {

/// A compiled expression, evaluated many times against parsed events.
class Program {
public:
    /// Compiles source; on failure the error text is multi-line: a first line
    /// "syntax error at offset N: what" (or "unknown function 'x' at offset N" etc.), then
    /// "  <the expression>" and "  <spaces>^" with the caret under the fault.
    /// now() reads clock at evaluation time, so clock must outlive the Program.
    static Result<Program> compile(std::string_view source, const Clock& clock = wall_clock());

    /// True when the expression's value is truthy for this event (jq truthiness: anything but false and null).
    bool test(simdjson::dom::element event);
    /// The same for an event whose read fields are indexed (Input's Record):
    /// paths that start with one of them begin there.
    bool test(simdjson::dom::element event, const ReadFields& fields);
    /// Appends the canonical JSON of the expression's value (for evfilter --set).
    void eval_json(simdjson::dom::element event, std::string& out);
    /// The expression's value as an owned Json (for tools that build events).
    Json eval(simdjson::dom::element event);
    /// The field paths the expression reads, in order of first appearance (for diagnostics / optimisation).
    const std::vector<Path>& fields() const;
    /// The source text the program was compiled from.
    const std::string& source() const;

    /// Programs move; they are not copied (each owns its nodes' scratch memory).
    Program(Program&&) noexcept;
    Program& operator=(Program&&) noexcept;
    ~Program();

private:
    struct Impl;
    explicit Program(std::unique_ptr<Impl> impl);
    std::unique_ptr<Impl> m_impl;
};

}  // namespace ev::expr
