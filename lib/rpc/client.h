// The client side of evrpc: the subcommands call, ping and nagios. They
// discover nodes (discovery.h), call them in batches (batch.h, call.h)
// and report the replies (report.h); `evrpc nagios` collates nagios.run
// into one aggregate check line (core/aggregate_check.h). cmd/evrpc.cpp
// adds them to its app. docs/evrpc.1.md documents every option.
#pragma once

#include <CLI/CLI.hpp>

#include <functional>
#include <optional>

namespace ev::rpc {

/// Adds the subcommands call, ping and nagios, with their options, to app
/// (the evrpc main's CLI11 app). The function returned runs the one the
/// parsed command line chose and returns its exit code; it returns nothing
/// when none of them was chosen.
std::function<std::optional<int>()> add_client_commands(CLI::App& app);

}  // namespace ev::rpc
