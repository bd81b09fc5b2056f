// Command-line helpers every tool's main shares (CLI11).
#pragma once

#include <CLI/CLI.hpp>

#include <optional>

#include "core/input.h"

namespace ev {

/// Adds the bad-input options (--rejects, --strict, --max-line) to app.
void add_input_options(CLI::App& app, InputOptions& options);

/// Adds --version, printing "TOOL (evkit) VERSION".
void add_version_flag(CLI::App& app, const std::string& tool);

/// Parses argv. Returns an exit code when the tool should stop now: 0 after
/// --help or --version (printed on stdout), 2 after a usage error (printed
/// on stderr as "TOOL: message"). Returns nothing when the tool should run.
std::optional<int> parse_cli(CLI::App& app, int argc, char** argv);

}  // namespace ev
