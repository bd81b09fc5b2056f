// Command-line helpers every tool's main shares (CLI11).
#pragma once

#include <CLI/CLI.hpp>

#include <optional>
#include <string>
#include <vector>

#include "core/clock.h"
#include "core/input.h"
#include "core/io.h"

namespace ev {

/// Adds the input options to app: the bad-input policy (--rejects,
/// --strict, --max-line) and Kafka input (--from, --group and the options
/// of add_kafka_options).
void add_input_options(CLI::App& app, InputOptions& options);

/// Adds only the bad-input policy (--rejects, --strict, --max-line), for
/// tools that read lines other than events (perfdata files).
void add_bad_input_options(CLI::App& app, InputOptions& options);

/// Adds the output options to app: --to kafka:TOPIC and --key FIELD,...
/// (with add_kafka_options, sharing kafka with the input's).
void add_output_options(CLI::App& app, OutputOptions& options, KafkaOptions& kafka);

/// Adds --brokers, --kafka PROP=VALUE and --kafka-config FILE, once per app.
void add_kafka_options(CLI::App& app, KafkaOptions& kafka);

/// A duration option (30s, 5m, 500ms, bare seconds; see core/duration.h),
/// stored as seconds; the help shows its default.
CLI::Option* add_duration_option(CLI::App& app, const std::string& name, double& seconds,
                                 const std::string& description);

/// A size option in the suite's one grammar (64K, 1MiB; see core/size.h),
/// stored as bytes and checked to lie within [min, max].
CLI::Option* add_size_option(CLI::App& app, const std::string& name, std::size_t& bytes, const std::string& description,
                             std::size_t min = 1, std::size_t max = std::size_t{1} << 40);

/// An option whose value must be one of choices (the help lists them).
CLI::Option* add_choice_option(CLI::App& app, const std::string& name, std::string& value,
                               const std::vector<std::string>& choices, const std::string& description);

/// Adds --clock wall|event.
CLI::Option* add_clock_option(CLI::App& app, ClockKind& clock, const std::string& description);

/// Splits argv at the first "--" after argv[0]: the words after it are a
/// command taken verbatim (never parsed as our options). args keeps argv[0]
/// and our own words, for parse_cli; has_command says whether "--" was seen.
struct CommandSplit {
    std::vector<char*> args;
    std::vector<std::string> command;
    bool has_command = false;
};
CommandSplit split_command(int argc, char** argv);

/// Adds --version, printing "TOOL (evkit) VERSION".
void add_version_flag(CLI::App& app, const std::string& tool);

/// Parses argv. Returns an exit code when the tool should stop now: 0 after
/// --help or --version (printed on stdout), 2 after a usage error (printed
/// on stderr as "TOOL: message"). Returns nothing when the tool should run.
std::optional<int> parse_cli(CLI::App& app, int argc, char** argv);

}  // namespace ev
