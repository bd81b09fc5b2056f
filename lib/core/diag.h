// Diagnostics: a tool's messages on stderr as "TOOL: message", with the
// per-line bad-input reports rate-limited.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>

#include "core/clock.h"

namespace ev {

/// Writes "TOOL: message" lines; line reports beyond a burst are counted, not shown.
class Diagnostics {
public:
    /// Where finished lines go (default: straight to file descriptor 2).
    using Output = std::function<void(std::string_view)>;

    explicit Diagnostics(std::string tool, Output output = {}, const Clock& clock = wall_clock());

    /// The tool name used as prefix.
    const std::string& tool() const { return m_tool; }

    /// Always printed: "TOOL: message".
    void error(std::string_view message);

    /// A bad input line: "TOOL: line N: reason" (with "FILE: " before "line"
    /// for named files). The first 10 are shown, then at most one a second.
    void line_problem(std::string_view file, uint64_t line, std::string_view reason);

    /// How many line reports were held back by the rate limit.
    uint64_t suppressed() const { return m_suppressed; }

private:
    std::string m_tool;
    Output m_output;
    const Clock& m_clock;
    uint64_t m_shown = 0;
    uint64_t m_suppressed = 0;
    double m_last_shown = 0;
};

}  // namespace ev
