#include "core/cli.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace {

// Parses words (argv[0] first) with app; true on success.
bool parse(CLI::App& app, std::vector<std::string> words, std::string* error = nullptr) {
    std::vector<char*> argv;
    for (auto& w : words) {
        argv.push_back(w.data());
    }
    try {
        app.parse(static_cast<int>(argv.size()), argv.data());
        return true;
    } catch (const CLI::ParseError& e) {
        if (error != nullptr) {
            *error = e.what();
        }
        return false;
    }
}

TEST(Cli, SizesDurationsChoicesAndClockAreTyped) {
    CLI::App app{"t", "t"};
    std::size_t queue = 0;
    double wait = 0;
    std::string policy = "block";
    ev::ClockKind clock = ev::ClockKind::wall;
    ev::add_size_option(app, "--queue-size", queue, "q");
    ev::add_duration_option(app, "--wait", wait, "w");
    ev::add_choice_option(app, "--policy", policy, {"block", "drop", "spill"}, "p");
    ev::add_clock_option(app, clock, "c");
    ASSERT_TRUE(parse(app, {"t", "--queue-size", "64KiB", "--wait", "90s", "--policy", "drop", "--clock", "event"}));
    EXPECT_EQ(queue, 65536u);
    EXPECT_DOUBLE_EQ(wait, 90);
    EXPECT_EQ(policy, "drop");
    EXPECT_EQ(clock, ev::ClockKind::event);
}

TEST(Cli, BadValuesAreUsageErrorsThatSayWhy) {
    std::string error;
    {
        CLI::App app{"t", "t"};
        std::size_t n = 0;
        ev::add_size_option(app, "--max-line", n, "m", 2, 1 << 30);
        EXPECT_FALSE(parse(app, {"t", "--max-line", "1T"}, &error));
        EXPECT_NE(error.find("not a size"), std::string::npos) << error;
        EXPECT_FALSE(parse(app, {"t", "--max-line", "1"}, &error));
        EXPECT_NE(error.find("outside 2 to 1G"), std::string::npos) << error;
    }
    {
        CLI::App app{"t", "t"};
        ev::ClockKind clock = ev::ClockKind::wall;
        ev::add_clock_option(app, clock, "c");
        EXPECT_FALSE(parse(app, {"t", "--clock", "cpu"}, &error));
        EXPECT_NE(error.find("expected wall or event"), std::string::npos) << error;
    }
    {
        CLI::App app{"t", "t"};
        double d = 0;
        ev::add_duration_option(app, "--wait", d, "w");
        EXPECT_FALSE(parse(app, {"t", "--wait", "soon"}, &error));
    }
}

TEST(Cli, SplitCommandTakesEverythingAfterTheFirstDoubleDash) {
    std::vector<std::string> words = {"evbatch", "each", "-c", "2", "--", "ssh", "--", "-x", "{subject}"};
    std::vector<char*> argv;
    for (auto& w : words) {
        argv.push_back(w.data());
    }
    auto split = ev::split_command(static_cast<int>(argv.size()), argv.data());
    EXPECT_TRUE(split.has_command);
    ASSERT_EQ(split.args.size(), 4u);
    EXPECT_EQ(std::string(split.args[3]), "2");
    EXPECT_EQ(split.command, (std::vector<std::string>{"ssh", "--", "-x", "{subject}"}));
    auto none = ev::split_command(2, argv.data());
    EXPECT_FALSE(none.has_command);
    EXPECT_EQ(none.args.size(), 2u);
}

}  // namespace
