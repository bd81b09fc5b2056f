#include "core/cli.h"

#include <fmt/format.h>

#include <cstdio>

#include "core/duration.h"
#include "core/exit_code.h"
#include "core/size.h"
#include "core/version.h"

namespace ev {

void add_input_options(CLI::App& app, InputOptions& options) {
    add_bad_input_options(app, options);
    app.add_option("--from", options.from, "Read Kafka topics instead of files (see docs/kafka.md)")
        ->type_name("kafka:TOPIC[,TOPIC...]");
    app.add_option("--group", options.kafka.group, "Kafka consumer group (required with --from)")->type_name("ID");
    add_kafka_options(app, options.kafka);
}

void add_bad_input_options(CLI::App& app, InputOptions& options) {
    app.add_option("--rejects", options.rejects_path, "Append bad input lines verbatim to FILE")->type_name("FILE");
    app.add_flag("--strict", options.strict, "Stop with exit 3 at the first bad input line");
    add_size_option(app, "--max-line", options.max_line, "Longest accepted line (default 1M)", 2, std::size_t{1} << 30);
}

void add_output_options(CLI::App& app, OutputOptions& options, KafkaOptions& kafka) {
    app.add_option("--to", options.to, "Write events to a Kafka topic instead of stdout")->type_name("kafka:TOPIC");
    app.add_option("--key", options.key_fields, "Key Kafka messages by these fields instead of the identity")
        ->type_name("FIELD[,FIELD...]")
        ->delimiter(',')
        ->allow_extra_args(false);
    add_kafka_options(app, kafka);
}

void add_kafka_options(CLI::App& app, KafkaOptions& kafka) {
    if (app.get_option_no_throw("--brokers") != nullptr) {
        return;
    }
    app.add_option("--brokers", kafka.brokers, "Kafka bootstrap brokers (default $EVKIT_BROKERS)")
        ->type_name("HOST:PORT[,...]");
    app.add_option("--kafka", kafka.props, "A librdkafka property, passed unchanged (repeatable)")
        ->type_name("PROP=VALUE")
        ->allow_extra_args(false);
    app.add_option("--kafka-config", kafka.config_file, "A file of librdkafka PROP=VALUE lines")->type_name("FILE");
    app.add_flag("--kafka-dump", kafka.dump, "Print the librdkafka configuration of the clients, then exit");
    app.add_option("--self-to", kafka.self_to,
                   "Append the tool's own status events (Kafka outages, data loss) to FILE, not the main output")
        ->type_name("FILE");
}

CLI::Option* add_duration_option(CLI::App& app, const std::string& name, double& seconds,
                                 const std::string& description) {
    return app
        .add_option_function<std::string>(
            name,
            [&seconds, name](const std::string& text) {
                auto parsed = parse_duration(text);
                if (!parsed) {
                    throw CLI::ValidationError(name, parsed.error());
                }
                seconds = *parsed;
            },
            description)
        ->type_name("DURATION");
}

CLI::Option* add_size_option(CLI::App& app, const std::string& name, std::size_t& bytes, const std::string& description,
                             std::size_t min, std::size_t max) {
    return app
        .add_option_function<std::string>(
            name,
            [&bytes, name, min, max](const std::string& text) {
                auto parsed = parse_size(text);
                if (!parsed) {
                    throw CLI::ValidationError(name, parsed.error());
                }
                if (*parsed < min || *parsed > max) {
                    throw CLI::ValidationError(
                        name, fmt::format("'{}' is outside {} to {}", text, format_size(min), format_size(max)));
                }
                bytes = static_cast<std::size_t>(*parsed);
            },
            description)
        ->type_name("SIZE");
}

CLI::Option* add_choice_option(CLI::App& app, const std::string& name, std::string& value,
                               const std::vector<std::string>& choices, const std::string& description) {
    return app.add_option(name, value, description)->check(CLI::IsMember(choices));
}

CLI::Option* add_clock_option(CLI::App& app, ClockKind& clock, const std::string& description) {
    return app
        .add_option_function<std::string>(
            "--clock",
            [&clock](const std::string& text) {
                if (text == "wall") {
                    clock = ClockKind::wall;
                } else if (text == "event") {
                    clock = ClockKind::event;
                } else {
                    throw CLI::ValidationError("--clock", fmt::format("expected wall or event, not '{}'", text));
                }
            },
            description)
        ->type_name("wall|event");
}

CommandSplit split_command(int argc, char** argv) {
    CommandSplit split;
    for (int i = 0; i < argc; ++i) {
        if (!split.has_command && i > 0 && std::string_view(argv[i]) == "--") {
            split.has_command = true;
            continue;
        }
        if (split.has_command) {
            split.command.emplace_back(argv[i]);
        } else {
            split.args.push_back(argv[i]);
        }
    }
    return split;
}

void add_version_flag(CLI::App& app, const std::string& tool) {
    app.set_version_flag("--version", fmt::format("{} (evkit) {}", tool, k_version));
}

std::optional<int> parse_cli(CLI::App& app, int argc, char** argv) {
    try {
        app.parse(argc, argv);
    } catch (const CLI::CallForHelp& e) {
        return app.exit(e);
    } catch (const CLI::CallForAllHelp& e) {
        return app.exit(e);
    } catch (const CLI::CallForVersion& e) {
        return app.exit(e);
    } catch (const CLI::ParseError& e) {
        std::fprintf(stderr, "%s: %s\n", app.get_name().c_str(), e.what());
        std::fprintf(stderr, "%s: try '%s --help'\n", app.get_name().c_str(), app.get_name().c_str());
        return exit_code::k_usage;
    }
    return std::nullopt;
}

}  // namespace ev
