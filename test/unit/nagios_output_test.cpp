#include "nagios/output.h"

#include <gtest/gtest.h>

namespace ev::nagios {
namespace {

std::vector<std::string> labels(const PluginOutput& out) {
    std::vector<std::string> l;
    for (const auto& item : out.perfdata.items) {
        l.push_back(item.label);
    }
    return l;
}

TEST(NagiosOutput, TextOnly) {
    PluginOutput out = parse_output("OK - all fine\n");
    EXPECT_EQ(out.text, "OK - all fine");
    EXPECT_EQ(out.long_output, "");
    EXPECT_TRUE(out.perfdata.items.empty());
}

TEST(NagiosOutput, FirstLinePerfdata) {
    PluginOutput out = parse_output("LOAD OK - load 0.1 |load1=0.1;5;10;0; load5=0.2;4;8;0; \n");
    EXPECT_EQ(out.text, "LOAD OK - load 0.1");
    EXPECT_EQ(labels(out), (std::vector<std::string>{"load1", "load5"}));
}

TEST(NagiosOutput, GuidelinesMultilineExample) {
    // The example from the Monitoring Plugins development guidelines.
    PluginOutput out = parse_output(
        "DISK OK - free space: / 3326 MB (56%); | /=2643MB;5948;5958;0;5968\n"
        "/ 15272 MB (77%);\n"
        "/boot 68 MB (69%);\n"
        "/home 69357 MB (27%);\n"
        "/var/log 819 MB (84%); | /boot=68MB;88;93;0;98\n"
        "/home=69357MB;253404;253409;0;253414 \n"
        "/var/log=818MB;970;975;0;980\n");
    EXPECT_EQ(out.text, "DISK OK - free space: / 3326 MB (56%);");
    EXPECT_EQ(out.long_output, "/ 15272 MB (77%);\n/boot 68 MB (69%);\n/home 69357 MB (27%);\n/var/log 819 MB (84%);");
    EXPECT_EQ(labels(out), (std::vector<std::string>{"/", "/boot", "/home", "/var/log"}));
    EXPECT_TRUE(out.perfdata.problems.empty());
}

TEST(NagiosOutput, LinesAfterThePerfLineAreAllPerfdataEvenWithBars) {
    PluginOutput out = parse_output("T\nlong\nmore | a=1\nb=2 | c=3\nd=4\n");
    EXPECT_EQ(out.long_output, "long\nmore");
    // "b=2 | c=3": '|' is not an item, it is reported and skipped.
    EXPECT_EQ(labels(out), (std::vector<std::string>{"a", "b", "c", "d"}));
    ASSERT_EQ(out.perfdata.problems.size(), 1u);
    EXPECT_EQ(out.perfdata.problems[0], "item '\\x7c': no '='");  // escaped: problems are shown to people
}

TEST(NagiosOutput, OnlyFirstBarSplitsTheFirstLine) {
    PluginOutput out = parse_output("A | x=1 | y=2");
    EXPECT_EQ(out.text, "A");
    EXPECT_EQ(labels(out), (std::vector<std::string>{"x", "y"}));
    EXPECT_EQ(out.perfdata.problems.size(), 1u);
}

TEST(NagiosOutput, LongOutputWithoutPerfdata) {
    PluginOutput out = parse_output("CRIT\nline 1\n\nline 3\n");
    EXPECT_EQ(out.long_output, "line 1\n\nline 3");
}

TEST(NagiosOutput, LeadingBarMeansEmptyText) {
    PluginOutput out = parse_output("|a=1");
    EXPECT_EQ(out.text, "");
    EXPECT_EQ(labels(out), (std::vector<std::string>{"a"}));
}

TEST(NagiosOutput, NoTrailingNewlineAndCrLf) {
    PluginOutput out = parse_output("OK\r\nsecond\r\nthird|a=1\r");
    EXPECT_EQ(out.text, "OK");
    EXPECT_EQ(out.long_output, "second\r\nthird");
    EXPECT_EQ(labels(out), (std::vector<std::string>{"a"}));
}

TEST(NagiosOutput, EmptyAndBinary) {
    EXPECT_EQ(parse_output("").text, "");
    PluginOutput out = parse_output(std::string("\x01\xff\x00zz|\xfe=1", 9));
    EXPECT_EQ(out.text, std::string("\x01\xEF\xBF\xBD\xEF\xBF\xBDzz"));
    EXPECT_EQ(out.perfdata.items.size(), 1u);
}

TEST(NagiosJudge, ExitCodesMapToStates) {
    RunEnd end;
    const State states[] = {State::ok, State::warning, State::critical, State::unknown};
    for (int code = 0; code < 4; ++code) {
        end.exit_code = code;
        Verdict v = judge(end, "TEXT|a=1", "", State::critical);
        EXPECT_EQ(v.state, states[code]);
        EXPECT_EQ(v.message, "TEXT");
        EXPECT_EQ(v.exit_code, code);
        EXPECT_EQ(v.replaced_text, "");
    }
}

TEST(NagiosJudge, OutOfBoundsCodes) {
    RunEnd end;
    end.exit_code = 4;
    Verdict v = judge(end, "weird", "", State::critical);
    EXPECT_EQ(v.state, State::critical);
    EXPECT_EQ(v.message, "(Return code of 4 is out of bounds)");
    EXPECT_EQ(v.replaced_text, "weird");
    end.exit_code = 126;
    EXPECT_EQ(judge(end, "", "", State::critical).message,
              "(Return code of 126 is out of bounds - plugin may not be executable)");
    end.exit_code = 127;
    EXPECT_EQ(judge(end, "", "", State::critical).message,
              "(Return code of 127 is out of bounds - plugin may be missing)");
    end.exit_code = 255;
    EXPECT_EQ(judge(end, "", "", State::critical).message, "(Return code of 255 is out of bounds)");
}

TEST(NagiosJudge, SignalAndTimeout) {
    RunEnd end;
    end.kind = RunEnd::Kind::signaled;
    end.signal = 9;
    Verdict v = judge(end, "partial", "", State::critical);
    EXPECT_EQ(v.state, State::critical);
    EXPECT_EQ(v.message, "(Service check did not exit properly)");
    EXPECT_FALSE(v.exit_code.has_value());
    end.kind = RunEnd::Kind::timed_out;
    end.timeout = 10;
    v = judge(end, "", "", State::unknown);
    EXPECT_EQ(v.state, State::unknown);
    EXPECT_EQ(v.message, "(Service check timed out after 10.00 seconds)");
}

TEST(NagiosJudge, NoOutput) {
    RunEnd end;
    EXPECT_EQ(judge(end, "", "", State::critical).message, "(No output returned from plugin)");
    EXPECT_EQ(judge(end, " \n", "oops\nmore", State::critical).message, "(No output on stdout) stderr: oops");
}

}  // namespace
}  // namespace ev::nagios
