// The client side of evrpc: the subcommands call, ping and nagios.
//
// Owned by rpcc (lib/rpc/client.cpp). rpca wrote this first version so that
// cmd/evrpc.cpp builds before client.cpp exists; change it as you need and
// adjust the two lines in cmd/evrpc.cpp that use it (marked "client.h"). The
// wire format is in lib/rpc/envelope.h (seal, open_envelope, fingerprint,
// load_key) and docs/rpc.md; Kafka reading without a group is
// lib/core/kafka_reader.h.
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
