// Runs every scenario file in test/fixtures/status/ through evstatus on
// event time and compares the alerts with the expected ones.
//
// Scenario file lines:
//   # comment              ignored
//   args: OPTIONS          evstatus options (--clock event and --alerts-only are added)
//   passthrough            do not add --alerts-only: expect input lines too
//   > JSON                 an input line (sent verbatim)
//   < JSON                 an expected output line; alerts are compared
//                          without their id, which is checked against its cause
//   ! TEXT                 an expected stderr line, exactly
//   restart                stop evstatus (saving --state) and start it again
//   exit: N                the expected exit code of the last run (default 0)
//
// EVSTATUS_SCENARIO_REGEN=1 rewrites the expectations (<, !, exit:) of every
// file from what evstatus does now, on purpose; review the diff before keeping it.
#include <dirent.h>
#include <fcntl.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <fstream>
#include <map>
#include <optional>
#include <sstream>

#include "core/cli.h"
#include "core/id.h"
#include "core/json.h"
#include "core/writer.h"
#include "status/cli.h"
#include "status/status.h"

namespace {

std::string root_dir() {
    const char* root = std::getenv("EVKIT_ROOT");
    return root != nullptr ? root : ".";
}

std::vector<std::string> scenario_files() {
    std::vector<std::string> files;
    std::string dir = root_dir() + "/test/fixtures/status";
    if (DIR* d = opendir(dir.c_str())) {
        while (dirent* e = readdir(d)) {
            std::string name = e->d_name;
            if (name.size() > 9 && name.substr(name.size() - 9) == ".scenario") {
                files.push_back(name.substr(0, name.size() - 9));
            }
        }
        closedir(d);
    }
    std::sort(files.begin(), files.end());
    return files;
}

struct Scenario {
    std::string args;
    bool passthrough = false;
    std::vector<std::string> segments{""};
    std::vector<std::string> expected;
    std::vector<std::string> expected_stderr;
    int exit_code = 0;
};

Scenario read_scenario(const std::string& path) {
    std::ifstream in(path);
    EXPECT_TRUE(in.good()) << path;
    Scenario s;
    std::string line;
    while (std::getline(in, line)) {
        if (line.empty() || line[0] == '#') {
            continue;
        }
        if (line.rfind("args:", 0) == 0) {
            s.args = line.substr(5);
        } else if (line == "passthrough") {
            s.passthrough = true;
        } else if (line.rfind("> ", 0) == 0) {
            s.segments.back() += line.substr(2) + "\n";
        } else if (line.rfind("< ", 0) == 0) {
            s.expected.push_back(line.substr(2));
        } else if (line.rfind("! ", 0) == 0) {
            s.expected_stderr.push_back(line.substr(2));
        } else if (line == "restart") {
            s.segments.emplace_back();
        } else if (line.rfind("exit:", 0) == 0) {
            s.exit_code = std::atoi(line.c_str() + 5);
        } else {
            ADD_FAILURE() << path << ": unknown line: " << line;
        }
    }
    return s;
}

std::vector<std::string> split_words(const std::string& text) {
    std::istringstream in(text);
    std::vector<std::string> words;
    std::string w;
    while (in >> w) {
        words.push_back(w);
    }
    return words;
}

std::string read_all(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    std::ostringstream out;
    out << in.rdbuf();
    return out.str();
}

// The input events' ids, each with its `time` (nullopt when it has none).
using CauseTimes = std::map<std::string, std::optional<double>>;

CauseTimes cause_times(const Scenario& s) {
    CauseTimes times;
    for (const std::string& segment : s.segments) {
        std::istringstream in(segment);
        std::string line;
        while (std::getline(in, line)) {
            auto parsed = ev::parse_json(line);
            if (!parsed || !parsed->is_object()) {
                continue;
            }
            const ev::Json* id = parsed->find("id");
            const ev::Json* time = parsed->find("time");
            if (id != nullptr && id->is_string()) {
                times[id->as_string()] =
                    time != nullptr && time->is_number() ? std::optional<double>(time->as_number()) : std::nullopt;
            }
        }
    }
    return times;
}

// Checks an alert's id (26 Crockford characters, derived as ev::derived_id
// from its cause's id and time and the reason, or for an expiry from the
// identity and the deadline, the alert's time) and returns the alert without
// it, canonical. An alert whose cause has no id has its time part checked
// (the cause's time, never after the alert's).
std::string strip_id(const std::string& line, const CauseTimes& causes, std::string& problem) {
    auto parsed = ev::parse_json(line);
    if (!parsed || !parsed->is_object()) {
        return line;
    }
    ev::Json alert = *parsed;
    const ev::Json* type = alert.find("type");
    const ev::Json* source = alert.find("source");
    if (type == nullptr || !type->is_string() || type->as_string() != "alert" || source == nullptr ||
        !source->is_string() || source->as_string() != "evstatus") {
        return line;  // not one of ours: compared byte for byte
    }
    const ev::Json* id = alert.find("id");
    const ev::Json* time = alert.find("time");
    const ev::Json* reason = alert.find("reason");
    const ev::Json* cause = alert.find("cause");
    if (id == nullptr || !id->is_string() || id->as_string().size() != 26 || time == nullptr || !time->is_number() ||
        reason == nullptr || !reason->is_string()) {
        problem = "alert without a 26-character id, a time or a reason: " + line;
        return line;
    }
    ev::Derivation d;
    d.tool = "evstatus";
    d.what = reason->as_string();
    std::string identity;
    if (reason->as_string() == "expired") {
        ev::Json pair = ev::Json::array();
        pair.push_back(*alert.find("subject"));
        pair.push_back(*alert.find("name"));
        identity = ev::to_canonical(pair);
        d.cause_line = identity;
        d.time = time->as_number();
    } else if (cause != nullptr && cause->is_string() && causes.count(cause->as_string()) > 0) {
        d.cause_id = cause->as_string();
        d.time = causes.at(cause->as_string()).value_or(0);
    } else {
        static const std::string k_crockford = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";
        uint64_t ms = 0;
        for (std::size_t i = 0; i < 10; ++i) {
            auto digit = k_crockford.find(id->as_string()[i]);
            if (digit == std::string::npos) {
                problem = "alert id is not Crockford base32: " + line;
                return line;
            }
            ms = ms * 32 + digit;
        }
        if (ms > static_cast<uint64_t>(std::floor(time->as_number() * 1000.0))) {
            problem = "alert id's time part is after the alert's time: " + line;
        }
        alert.erase("id");
        return ev::to_canonical(alert);
    }
    if (id->as_string() != ev::derived_id(d)) {
        problem = "alert id is not derived from its cause (" + ev::derived_id(d) + "): " + line;
    }
    alert.erase("id");
    return ev::to_canonical(alert);
}

std::string expected_form(const std::string& line) {
    auto parsed = ev::parse_json(line);
    if (!parsed || !parsed->is_object()) {
        return line;
    }
    const ev::Json* type = parsed->find("type");
    const ev::Json* source = parsed->find("source");
    if (type == nullptr || !type->is_string() || type->as_string() != "alert" || source == nullptr ||
        !source->is_string() || source->as_string() != "evstatus") {
        return line;
    }
    return ev::to_canonical(*parsed);
}

class StatusScenario : public testing::TestWithParam<std::string> {};

TEST_P(StatusScenario, AlertsAsExpected) {
    std::string path = root_dir() + "/test/fixtures/status/" + GetParam() + ".scenario";
    Scenario s = read_scenario(path);
    char dir_template[] = "/tmp/evstatus_scenario.XXXXXX";
    ASSERT_NE(mkdtemp(dir_template), nullptr);
    std::string dir = dir_template;
    std::vector<std::string> out_lines;
    std::vector<std::string> err_lines;
    const CauseTimes causes = cause_times(s);
    int code = 0;
    for (std::size_t i = 0; i < s.segments.size(); ++i) {
        ev::status::Options options;
        CLI::App app{"", "evstatus"};
        ev::status::add_filter_options(app, options);
        ev::add_input_options(app, options.input);
        std::vector<std::string> words = split_words(s.args);
        words.insert(words.begin(), {"--clock", "event"});
        if (!s.passthrough) {
            words.push_back("--alerts-only");
        }
        std::reverse(words.begin(), words.end());
        ASSERT_NO_THROW(app.parse(words)) << s.args;
        if (s.segments.size() > 1) {
            options.state_path = dir + "/state";
        }
        std::string input = dir + "/in" + std::to_string(i);
        std::ofstream(input, std::ios::binary) << s.segments[i];
        options.input.files = {input};
        std::string output = dir + "/out" + std::to_string(i);
        int fd = ::open(output.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
        ASSERT_GE(fd, 0);
        ev::Diagnostics diag("evstatus", [&err_lines, &input](std::string_view text) {
            std::string line(text);
            if (!line.empty() && line.back() == '\n') {
                line.pop_back();
            }
            // Input files are temporary: show them as "IN" in messages.
            if (auto at = line.find(input); at != std::string::npos) {
                line.replace(at, input.size(), "IN");
            }
            err_lines.push_back(line);
        });
        {
            ev::Input events(options.input, diag);
            ev::Writer out(fd);
            code = ev::status::run(options, events, out, diag);
        }
        ::close(fd);
        std::istringstream produced(read_all(output));
        std::string line;
        while (std::getline(produced, line)) {
            std::string problem;
            out_lines.push_back(strip_id(line, causes, problem));
            EXPECT_TRUE(problem.empty()) << problem;
        }
    }
    if (std::getenv("EVSTATUS_SCENARIO_REGEN") != nullptr) {
        std::ifstream in(path);
        std::string text, line;
        while (std::getline(in, line)) {
            if (line.rfind("< ", 0) != 0 && line.rfind("! ", 0) != 0 && line.rfind("exit:", 0) != 0) {
                text += line + "\n";
            }
        }
        for (const std::string& out : out_lines) {
            text += "< " + out + "\n";
        }
        for (const std::string& err : err_lines) {
            text += "! " + err + "\n";
        }
        if (code != 0) {
            text += "exit: " + std::to_string(code) + "\n";
        }
        std::ofstream(path) << text;
        return;
    }
    std::vector<std::string> expected;
    for (const std::string& line : s.expected) {
        expected.push_back(expected_form(line));
    }
    EXPECT_EQ(out_lines, expected) << "scenario " << path;
    EXPECT_EQ(err_lines, s.expected_stderr) << "scenario " << path;
    EXPECT_EQ(code, s.exit_code) << "scenario " << path;
    std::string cleanup = "rm -rf '" + dir + "'";
    EXPECT_EQ(std::system(cleanup.c_str()), 0);
}

INSTANTIATE_TEST_SUITE_P(Files, StatusScenario, testing::ValuesIn(scenario_files()),
                         [](const testing::TestParamInfo<std::string>& info) {
                             std::string name = info.param;
                             std::replace_if(
                                 name.begin(), name.end(),
                                 [](char c) { return !std::isalnum(static_cast<unsigned char>(c)); }, '_');
                             return name;
                         });

TEST(StatusScenarioFiles, ThereAreScenarios) {
    EXPECT_GE(scenario_files().size(), 20u);
}

}  // namespace
