// The expression language's public face: compile once, evaluate per event.
// See docs/expressions.md for the language.
#pragma once

#include <simdjson.h>

#include <memory>
#include <optional>
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

    /// True when the expression's value is truthy for this event (jq
    /// truthiness: anything but false and null); false after a type error.
    bool test(simdjson::dom::element event);
    /// The same for an event whose read fields are indexed (Input's Record):
    /// paths that start with one of them begin there.
    bool test(simdjson::dom::element event, const ReadFields& fields);
    /// Appends the canonical JSON of the expression's value (for evfilter
    /// --set); on a type error appends nothing and returns false.
    bool eval_json(simdjson::dom::element event, std::string& out);
    /// Appends the value as jq -r prints it: a string's bytes without quotes
    /// or escapes, anything else as canonical JSON; false on a type error.
    bool eval_raw(simdjson::dom::element event, std::string& out);
    /// The expression's value as an owned Json (for tools that build events); null after a type error.
    Json eval(simdjson::dom::element event);
    /// The type error of the last evaluation ("type error at offset N: ..."), or nothing.
    std::optional<std::string_view> error() const;
    /// Binds the name `item` to an element for the evaluations that follow
    /// (nullptr unbinds): paths starting with `item` start there, shadowing
    /// a top-level field of that name. The element must outlive its use.
    void bind_item(const simdjson::dom::element* item);
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
