#include "nagios/checklist.h"

#include <algorithm>
#include <cerrno>
#include <cstdlib>

#include <fmt/format.h>

#include "core/exit_code.h"
#include "core/spawn.h"
#include "nagios/resource.h"

namespace ev::nagios {

namespace {

Resources resources_of(const ChecklistOptions& options, std::vector<std::string>& problems) {
    if (options.resource_path.empty()) {
        return {};
    }
    return load_resources(options.resource_path, problems);
}

// "dir:dir:..." for messages.
std::string joined(const std::vector<std::string>& dirs) {
    std::string out;
    for (const std::string& dir : dirs) {
        out += (out.empty() ? "" : ":") + dir;
    }
    return out;
}

}  // namespace

Result<Config> load_checklist(const ChecklistOptions& options) {
    std::vector<std::string> problems;
    Resources resources = resources_of(options, problems);
    if (!problems.empty()) {
        return make_error(problems.front());
    }
    auto config = load_config(options.config_path);
    if (!config) {
        return config;
    }
    for (CheckDef& check : config->checks) {
        if (auto expanded = expand_user_macros(check, resources); !expanded) {
            return make_error(fmt::format("{}:{}: {}", options.config_path, check.line, expanded.error()));
        }
    }
    return config;
}

std::vector<std::string> checklist_problems(const ChecklistOptions& options, std::size_t& checks) {
    std::vector<std::string> problems;
    Resources resources = resources_of(options, problems);
    checks = 0;
    std::vector<std::string> lines;  // CONFIG's, "FILE:LINE: ...", put in line order below
    auto config = load_config(options.config_path, &lines);
    if (!config) {
        problems.push_back(config.error());  // the file itself could not be read
        return problems;
    }
    std::size_t resource_problems = problems.size();
    problems.insert(problems.end(), lines.begin(), lines.end());
    std::vector<std::string> dirs = plugin_search_dirs(options.runner);
    for (CheckDef& check : config->checks) {
        ++checks;
        std::string where = fmt::format("{}:{}", options.config_path, check.line);
        if (auto expanded = expand_user_macros(check, resources); !expanded) {
            problems.push_back(fmt::format("{}: {}", where, expanded.error()));
            continue;
        }
        const std::string& plugin = check.argv.front();
        int error_number = 0;
        if (auto found = find_executable(plugin, dirs, &error_number); !found) {
            bool bare = plugin.find('/') == std::string::npos;
            problems.push_back(fmt::format(
                "{}: check '{}': cannot run {}: {}", where, check.name, plugin,
                bare && error_number == ENOENT ? fmt::format("not found in {}", joined(dirs)) : found.error()));
        }
    }
    // In the file's order, as a reader goes through it.
    auto line_of = [&](const std::string& problem) {
        return std::atoi(problem.c_str() + std::min(problem.size(), options.config_path.size() + 1));
    };
    std::stable_sort(problems.begin() + static_cast<std::ptrdiff_t>(resource_problems), problems.end(),
                     [&](const std::string& a, const std::string& b) { return line_of(a) < line_of(b); });
    return problems;
}

int run_check(const ChecklistOptions& options, Sink& out, Diagnostics& diag) {
    std::size_t checks = 0;
    std::vector<std::string> problems = checklist_problems(options, checks);
    for (const std::string& problem : problems) {
        diag.error(problem);
    }
    if (!problems.empty()) {
        return exit_code::k_usage;
    }
    out.write_line(fmt::format("{} check{} OK", checks, checks == 1 ? "" : "s"));
    if (!out.flush() && out.failed()) {
        diag.error(out.error());
        return exit_code::k_io;
    }
    return exit_code::k_ok;
}

}  // namespace ev::nagios
