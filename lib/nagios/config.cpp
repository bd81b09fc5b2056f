#include "nagios/config.h"

#include <fmt/format.h>

#include <cerrno>
#include <charconv>
#include <cstring>
#include <fstream>
#include <set>
#include <sstream>

#include "core/duration.h"
#include "nagios/text.h"

namespace ev::nagios {

namespace {

bool valid_name(std::string_view name) {
    if (name.empty()) {
        return false;
    }
    for (char c : name) {
        bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' || c == '-' ||
                  c == '.' || c == ':' || c == '/' || c == '@';
        if (!ok) {
            return false;
        }
    }
    return true;
}

// Applies KEY=VALUE to check; an error when KEY is unknown or VALUE bad.
Result<void> apply_option(CheckDef& check, std::string_view key, std::string_view value) {
    auto duration = [&](std::optional<double>& slot, bool positive) -> Result<void> {
        auto d = parse_duration(value);
        if (!d) {
            return make_error(fmt::format("{}: {}", key, d.error()));
        }
        if (positive && *d <= 0) {
            return make_error(fmt::format("{} must be above zero", key));
        }
        slot = *d;
        return {};
    };
    if (key == "timeout") {
        return duration(check.timeout, true);
    }
    if (key == "retry") {
        return duration(check.retry, true);
    }
    if (key == "ttl") {
        return duration(check.ttl, false);
    }
    if (key == "subject") {
        if (value.empty()) {
            return make_error("subject is empty");
        }
        check.subject = std::string(value);
        return {};
    }
    if (key == "max-output") {
        auto bytes = parse_size(value);
        if (!bytes) {
            return make_error(fmt::format("max-output: {}", bytes.error()));
        }
        check.max_output = *bytes;
        return {};
    }
    if (key == "timeout-state") {
        auto state = parse_state(value);
        if (!state) {
            return make_error(fmt::format("timeout-state: unknown state '{}'", value));
        }
        check.timeout_state = *state;
        return {};
    }
    if (key.rfind("tag.", 0) == 0 && key.size() > 4) {
        std::string tag(key.substr(4));
        for (auto& [k, v] : check.tags) {
            if (k == tag) {
                return make_error(fmt::format("tag '{}' given twice", tag));
            }
        }
        check.tags.emplace_back(tag, std::string(value));
        return {};
    }
    return make_error(fmt::format("unknown option '{}' (use -- before a command that contains '=')", key));
}

bool is_option_word(std::string_view word) {
    std::size_t eq = word.find('=');
    if (eq == std::string_view::npos || eq == 0) {
        return false;
    }
    for (char c : word.substr(0, eq)) {
        bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '_' ||
                  c == '.';
        if (!ok) {
            return false;
        }
    }
    return true;
}

Result<CheckDef> parse_check(const std::vector<std::string>& words) {
    CheckDef check;
    if (!valid_name(words[0])) {
        return make_error(fmt::format("bad check name '{}' (letters, digits and _ - . : / @ only)", words[0]));
    }
    check.name = words[0];
    if (words.size() < 2) {
        return make_error(fmt::format("check '{}': expected an interval and a command", check.name));
    }
    auto interval = parse_duration(words[1]);
    if (!interval || *interval <= 0) {
        return make_error(fmt::format("check '{}': bad interval '{}'", check.name, words[1]));
    }
    check.interval = *interval;
    std::size_t i = 2;
    for (; i < words.size(); ++i) {
        if (words[i] == "--") {
            ++i;
            break;
        }
        if (!is_option_word(words[i])) {
            break;
        }
        std::size_t eq = words[i].find('=');
        if (auto applied = apply_option(check, std::string_view(words[i]).substr(0, eq),
                                        std::string_view(words[i]).substr(eq + 1));
            !applied) {
            return make_error(fmt::format("check '{}': {}", check.name, applied.error()));
        }
    }
    check.argv.assign(words.begin() + static_cast<std::ptrdiff_t>(i), words.end());
    if (check.argv.empty()) {
        return make_error(fmt::format("check '{}': no command", check.name));
    }
    return check;
}

}  // namespace

bool CheckDef::same_as(const CheckDef& o) const {
    return name == o.name && interval == o.interval && timeout == o.timeout && retry == o.retry && ttl == o.ttl &&
           subject == o.subject && tags == o.tags && max_output == o.max_output && timeout_state == o.timeout_state &&
           argv == o.argv;
}

Result<std::vector<std::string>> split_words(std::string_view line) {
    std::vector<std::string> words;
    std::string word;
    bool in_word = false;
    std::size_t i = 0;
    while (i < line.size()) {
        char c = line[i];
        if (c == ' ' || c == '\t' || c == '\r') {
            if (in_word) {
                words.push_back(std::move(word));
                word.clear();
                in_word = false;
            }
            ++i;
        } else if (c == '#' && !in_word) {
            break;
        } else if (c == '\'') {
            std::size_t end = line.find('\'', i + 1);
            if (end == std::string_view::npos) {
                return make_error("unterminated ' quote");
            }
            word.append(line.substr(i + 1, end - i - 1));
            in_word = true;
            i = end + 1;
        } else if (c == '"') {
            ++i;
            bool closed = false;
            while (i < line.size()) {
                if (line[i] == '"') {
                    closed = true;
                    ++i;
                    break;
                }
                if (line[i] == '\\' && i + 1 < line.size() &&
                    (line[i + 1] == '"' || line[i + 1] == '\\' || line[i + 1] == '$' || line[i + 1] == '`')) {
                    ++i;
                }
                word += line[i];
                ++i;
            }
            if (!closed) {
                return make_error("unterminated \" quote");
            }
            in_word = true;
        } else if (c == '\\') {
            if (i + 1 >= line.size()) {
                return make_error("backslash at the end of the line");
            }
            word += line[i + 1];
            in_word = true;
            i += 2;
        } else {
            word += c;
            in_word = true;
            ++i;
        }
    }
    if (in_word) {
        words.push_back(std::move(word));
    }
    return words;
}

Result<Config> parse_config(std::string_view text, std::string_view file, std::vector<std::string>* problems) {
    Config config;
    std::set<std::string> names;
    int number = 0;
    // A bad line: the error, or one more problem and on to the next line.
    auto bad = [&](std::string message) -> bool {
        if (problems == nullptr) {
            return true;
        }
        problems->push_back(std::move(message));
        return false;
    };
    std::size_t begin = 0;
    while (begin < text.size()) {
        std::size_t nl = text.find('\n', begin);
        std::size_t end = nl == std::string_view::npos ? text.size() : nl;
        ++number;
        int first_line = number;
        std::string line(text.substr(begin, end - begin));
        begin = end + 1;
        // A backslash at the end continues the check on the next line.
        while (!line.empty() && line.back() == '\\' && begin <= text.size()) {
            line.pop_back();
            std::size_t next = text.find('\n', begin);
            std::size_t next_end = next == std::string_view::npos ? text.size() : next;
            line += ' ';
            line.append(text.substr(begin, next_end - begin));
            ++number;
            begin = next_end + 1;
            if (next == std::string_view::npos) {
                break;
            }
        }
        if (line.find('\0') != std::string::npos) {
            if (std::string m = fmt::format("{}:{}: NUL byte in line", file, first_line); bad(m)) {
                return make_error(m);
            }
            continue;
        }
        auto words = split_words(line);
        if (!words) {
            if (std::string m = fmt::format("{}:{}: {}", file, first_line, words.error()); bad(m)) {
                return make_error(m);
            }
            continue;
        }
        if (words->empty()) {
            continue;
        }
        auto check = parse_check(*words);
        if (!check) {
            if (std::string m = fmt::format("{}:{}: {}", file, first_line, check.error()); bad(m)) {
                return make_error(m);
            }
            continue;
        }
        check->line = first_line;
        if (!names.insert(check->name).second) {
            if (std::string m = fmt::format("{}:{}: check '{}' defined twice", file, first_line, check->name); bad(m)) {
                return make_error(m);
            }
            continue;
        }
        config.checks.push_back(std::move(check).value());
    }
    return config;
}

Result<Config> load_config(const std::string& path, std::vector<std::string>* problems) {
    std::ifstream in(path, std::ios::binary);
    if (!in) {
        return make_error(fmt::format("{}: {}", path, std::strerror(errno)));
    }
    std::ostringstream text;
    text << in.rdbuf();
    if (in.bad()) {
        return make_error(fmt::format("{}: read error", path));
    }
    return parse_config(text.str(), path, problems);
}

}  // namespace ev::nagios
