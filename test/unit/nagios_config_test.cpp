#include "nagios/config.h"

#include <gtest/gtest.h>

namespace ev::nagios {
namespace {

TEST(NagiosConfig, SplitWordsLikeAShellWithoutExpansion) {
    auto w = split_words(R"(a 'b c' "d \"e\" $HOME" f\ g 'h'"i" # comment)");
    ASSERT_TRUE(w.ok());
    EXPECT_EQ(*w, (std::vector<std::string>{"a", "b c", "d \"e\" $HOME", "f g", "hi"}));
    EXPECT_EQ(*split_words("x#y"), (std::vector<std::string>{"x#y"}));
    EXPECT_EQ(*split_words("''"), (std::vector<std::string>{""}));
    EXPECT_FALSE(split_words("'open").ok());
    EXPECT_FALSE(split_words("\"open").ok());
}

TEST(NagiosConfig, ParsesChecksWithOptions) {
    auto c = parse_config(
        "# comment\n"
        "\n"
        "load 1m timeout=10s retry=15s ttl=5m subject=db1 tag.role=web tag.dc=ams max-output=16K "
        "timeout-state=unknown /usr/lib/nagios/plugins/check_load -w 5,4,3 -c 10,8,6\n"
        "disk 5m -- /usr/lib/nagios/plugins/check_disk -w 10% -p /\n"
        "shell 30s sh -c 'echo OK | true'\n",
        "checks.conf");
    ASSERT_TRUE(c.ok()) << c.error();
    ASSERT_EQ(c->checks.size(), 3u);
    const CheckDef& load = c->checks[0];
    EXPECT_EQ(load.name, "load");
    EXPECT_EQ(load.interval, 60);
    EXPECT_EQ(load.timeout, 10);
    EXPECT_EQ(load.retry, 15);
    EXPECT_EQ(load.ttl, 300);
    EXPECT_EQ(load.subject, "db1");
    EXPECT_EQ(load.tags, (std::vector<std::pair<std::string, std::string>>{{"role", "web"}, {"dc", "ams"}}));
    EXPECT_EQ(load.max_output, 16384u);
    EXPECT_EQ(load.timeout_state, State::unknown);
    EXPECT_EQ(load.argv.size(), 5u);
    EXPECT_EQ(load.line, 3);
    EXPECT_EQ(c->checks[1].argv.front(), "/usr/lib/nagios/plugins/check_disk");
    EXPECT_EQ(c->checks[2].argv, (std::vector<std::string>{"sh", "-c", "echo OK | true"}));
}

TEST(NagiosConfig, ContinuationLines) {
    auto c = parse_config("a 1m \\\n  check_x -w 1 \\\n  -c 2\nb 1m check_y\n", "f");
    ASSERT_TRUE(c.ok()) << c.error();
    EXPECT_EQ(c->checks[0].argv, (std::vector<std::string>{"check_x", "-w", "1", "-c", "2"}));
    EXPECT_EQ(c->checks[1].line, 4);
}

TEST(NagiosConfig, ErrorsNameFileAndLine) {
    struct Case {
        const char* text;
        const char* error;
    };
    const Case cases[] = {
        {"ok 1m true\nbad!name 1m true\n", "f:2: bad check name 'bad!name' (letters, digits and _ - . : / @ only)"},
        {"x\n", "f:1: check 'x': expected an interval and a command"},
        {"x soon true\n", "f:1: check 'x': bad interval 'soon'"},
        {"x 0s true\n", "f:1: check 'x': bad interval '0s'"},
        {"x 1m timeout=10s\n", "f:1: check 'x': no command"},
        {"x 1m colour=red true\n",
         "f:1: check 'x': unknown option 'colour' (use -- before a command that contains '=')"},
        {"x 1m timeout=0 true\n", "f:1: check 'x': timeout must be above zero"},
        {"x 1m timeout-state=bad true\n", "f:1: check 'x': timeout-state: unknown state 'bad'"},
        {"x 1m max-output=lots true\n",
         "f:1: check 'x': max-output: bad size 'lots' (bytes, or with K, M or G; 1 byte to 1G)"},
        {"x 1m tag.a=1 tag.a=2 true\n", "f:1: check 'x': tag 'a' given twice"},
        {"x 1m true\n\nx 2m true\n", "f:3: check 'x' defined twice"},
        {"x 1m echo 'open\n", "f:1: unterminated ' quote"},
    };
    for (const Case& c : cases) {
        auto r = parse_config(c.text, "f");
        ASSERT_FALSE(r.ok()) << c.text;
        EXPECT_EQ(r.error(), c.error);
    }
}

TEST(NagiosConfig, SameAsIgnoresTheLine) {
    auto a = parse_config("x 1m true\n", "f");
    auto b = parse_config("\n\nx 1m true\n", "f");
    auto c = parse_config("x 1m true -v\n", "f");
    ASSERT_TRUE(a.ok() && b.ok() && c.ok());
    EXPECT_TRUE(a->checks[0].same_as(b->checks[0]));
    EXPECT_FALSE(a->checks[0].same_as(c->checks[0]));
}

TEST(NagiosConfig, MissingFile) {
    auto r = load_config("/nonexistent/checks.conf");
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.error(), "/nonexistent/checks.conf: No such file or directory");
}

TEST(NagiosConfig, ProblemsListsEveryBadLineAndKeepsTheGoodChecks) {
    std::vector<std::string> problems;
    auto config = parse_config("a 1m x\nb 1m colour=red x\na 1m y\nc 1m 'open\nd 1m z\n", "c.conf", &problems);
    ASSERT_TRUE(config.ok());
    ASSERT_EQ(config->checks.size(), 2u);
    EXPECT_EQ(config->checks[1].name, "d");
    EXPECT_EQ(config->checks[1].line, 5);
    EXPECT_EQ(problems, (std::vector<std::string>{
                            "c.conf:2: check 'b': unknown option 'colour' (use -- before a command that contains '=')",
                            "c.conf:3: check 'a' defined twice", "c.conf:4: unterminated ' quote"}));
    // Without a list, the first problem is the error.
    EXPECT_EQ(parse_config("a 1m x\nb 1m colour=red x\n", "c.conf").error(),
              "c.conf:2: check 'b': unknown option 'colour' (use -- before a command that contains '=')");
}

}  // namespace
}  // namespace ev::nagios
