#include "core/cli.h"

#include <fmt/format.h>

#include <cstdio>

#include "core/exit_code.h"
#include "core/version.h"

namespace ev {

void add_input_options(CLI::App& app, InputOptions& options) {
    app.add_option("--rejects", options.rejects_path, "Append bad input lines verbatim to FILE")->type_name("FILE");
    app.add_flag("--strict", options.strict, "Stop with exit 3 at the first bad input line");
    app.add_option("--max-line", options.max_line, "Longest accepted line in bytes (default 1048576)")
        ->type_name("BYTES")
        ->check(CLI::Range(std::size_t{2}, std::size_t{1} << 30));
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
