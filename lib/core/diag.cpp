#include "core/diag.h"

#include <unistd.h>

#include <fmt/format.h>

namespace ev {

namespace {

constexpr uint64_t k_burst = 10;

void write_stderr(std::string_view text) {
    std::size_t done = 0;
    while (done < text.size()) {
        ssize_t n = ::write(2, text.data() + done, text.size() - done);
        if (n <= 0) {
            return;  // nowhere left to complain to
        }
        done += static_cast<std::size_t>(n);
    }
}

}  // namespace

Diagnostics::Diagnostics(std::string tool, Output output, const Clock& clock)
    : m_tool(std::move(tool)), m_output(output ? std::move(output) : Output(write_stderr)), m_clock(clock) {}

void Diagnostics::error(std::string_view message) {
    m_output(fmt::format("{}: {}\n", m_tool, message));
}

void Diagnostics::line_problem(std::string_view file, uint64_t line, std::string_view reason) {
    double now = m_clock.now();
    if (m_shown >= k_burst && now - m_last_shown < 1.0) {
        ++m_suppressed;
        return;
    }
    ++m_shown;
    m_last_shown = now;
    if (file.empty() || file == "-") {
        m_output(fmt::format("{}: line {}: {}\n", m_tool, line, reason));
    } else {
        m_output(fmt::format("{}: {}: line {}: {}\n", m_tool, file, line, reason));
    }
}

}  // namespace ev
