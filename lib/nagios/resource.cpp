#include "nagios/resource.h"

#include <fmt/format.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>

#include "core/text.h"

namespace ev::nagios {

namespace {

// n of "$USERn$" when name is exactly that with n in 1..256, else 0.
int user_macro_number(std::string_view name) {
    if (name.size() < 7 || name.substr(0, 5) != "$USER" || name.back() != '$') {
        return 0;
    }
    std::string_view digits = name.substr(5, name.size() - 6);
    if (digits.empty() || digits.size() > 3 || digits.front() == '0') {
        return 0;
    }
    int n = 0;
    for (char c : digits) {
        if (c < '0' || c > '9') {
            return 0;
        }
        n = n * 10 + (c - '0');
    }
    return n <= k_max_user_macro ? n : 0;
}

}  // namespace

Resources parse_resources(std::string_view text, std::string_view file, std::vector<std::string>& problems) {
    Resources resources;
    resources.file = std::string(file);
    int number = 0;
    std::size_t begin = 0;
    while (begin < text.size()) {
        std::size_t nl = text.find('\n', begin);
        std::size_t end = nl == std::string_view::npos ? text.size() : nl;
        std::string_view line = trim(text.substr(begin, end - begin));
        begin = end + 1;
        ++number;
        if (line.empty() || line.front() == '#') {
            continue;
        }
        auto problem = [&](std::string_view message) {
            problems.push_back(fmt::format("{}:{}: {}", file, number, message));
        };
        if (line.find('\0') != std::string_view::npos) {
            problem("NUL byte in line");
            continue;
        }
        std::size_t eq = line.find('=');
        if (eq == std::string_view::npos) {
            problem("expected $USERn$=VALUE");
            continue;
        }
        std::string_view name = trim(line.substr(0, eq));
        std::string_view value = trim(line.substr(eq + 1));
        int n = user_macro_number(name);
        if (n == 0) {
            problem(fmt::format("'{}' is not a $USERn$ macro (n from 1 to {})", name, k_max_user_macro));
            continue;
        }
        // Nagios hands the value to a shell, which removes quotes around it;
        // here no shell runs, so they are removed as it would.
        if (value.size() >= 2 && (value.front() == '"' || value.front() == '\'') && value.back() == value.front()) {
            value = value.substr(1, value.size() - 2);
        }
        if (value.empty()) {
            problem(fmt::format("{} has no value", name));
            continue;
        }
        resources.user[n] = std::string(value);
    }
    return resources;
}

Resources load_resources(const std::string& path, std::vector<std::string>& problems) {
    std::ifstream in(path, std::ios::binary);
    if (!in) {
        problems.push_back(fmt::format("{}: {}", path, std::strerror(errno)));
        Resources none;
        none.file = path;
        return none;
    }
    std::ostringstream text;
    text << in.rdbuf();
    return parse_resources(text.str(), path, problems);
}

Result<void> expand_user_macros(CheckDef& check, const Resources& resources) {
    for (std::string& word : check.argv) {
        std::string out;
        std::size_t at = 0;
        while (at < word.size()) {
            std::size_t start = word.find("$USER", at);
            std::size_t close = start == std::string::npos ? std::string::npos : word.find('$', start + 5);
            int n = close == std::string::npos
                        ? 0
                        : user_macro_number(std::string_view(word).substr(start, close - start + 1));
            if (n == 0) {
                // Not a macro here: keep this '$' and look further on.
                std::size_t keep = start == std::string::npos ? word.size() : start + 1;
                out.append(word, at, keep - at);
                at = keep;
                continue;
            }
            auto found = resources.user.find(n);
            if (found == resources.user.end()) {
                return make_error(
                    fmt::format("check '{}': $USER{}$ is not defined ({})", check.name, n,
                                resources.file.empty() ? "no --resource file given" : "not in " + resources.file));
            }
            out.append(word, at, start - at);
            out += found->second;
            at = close + 1;
        }
        word = std::move(out);
    }
    return {};
}

}  // namespace ev::nagios
