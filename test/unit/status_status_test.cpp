// The filter loop (status.cpp) as a whole: exit codes and messages that the
// scenario files do not reach.
#include "status/status.h"

#include <fcntl.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <cstdlib>
#include <fstream>
#include <sstream>

#include "core/exit_code.h"
#include "core/writer.h"

namespace ev::status {
namespace {

class StatusRun : public testing::Test {
protected:
    void SetUp() override {
        char tmpl[] = "/tmp/evstatus_run_test.XXXXXX";
        ASSERT_NE(mkdtemp(tmpl), nullptr);
        m_dir = tmpl;
    }
    void TearDown() override { EXPECT_EQ(std::system(("rm -rf '" + m_dir + "'").c_str()), 0); }

    int run_with(Options options, const std::string& input) {
        std::string in = m_dir + "/in";
        std::ofstream(in) << input;
        options.input.files = {in};
        int fd = ::open((m_dir + "/out").c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
        Diagnostics diag("evstatus", [this](std::string_view t) { m_err += t; });
        int code = 0;
        {
            ev::Input events(options.input, diag);
            ev::Writer out(fd);
            code = run(options, events, out, diag);
        }
        ::close(fd);
        return code;
    }
    std::string output() {
        std::ifstream in(m_dir + "/out");
        std::stringstream s;
        s << in.rdbuf();
        return s.str();
    }

    std::string m_dir, m_err;
};

TEST_F(StatusRun, BadOptionIsUsageError) {
    Options o;
    o.expire_state = "dead";
    EXPECT_EQ(run_with(o, ""), exit_code::k_usage);
    EXPECT_EQ(m_err, "evstatus: --expire-state: unknown state 'dead' (use ok, warning, critical or unknown)\n");
}

TEST_F(StatusRun, UnsavableStateFileIsAnIoErrorAfterTheOutput) {
    Options o;
    o.clock = ClockKind::event;
    o.state_path = m_dir + "/missing/dir/state";
    EXPECT_EQ(run_with(o, "{\"time\":1,\"subject\":\"a\",\"name\":\"b\",\"state\":\"critical\"}\n"), exit_code::k_io);
    EXPECT_NE(output().find("\"reason\":\"transition\""), std::string::npos);
    EXPECT_EQ(m_err, "evstatus: cannot save state to " + m_dir + "/missing/dir/state: cannot open the directory " +
                         m_dir + "/missing/dir: No such file or directory\n");
}

TEST_F(StatusRun, MissingInputFileIsAnIoError) {
    Options o;
    o.input.files = {m_dir + "/nope"};
    int fd = ::open((m_dir + "/out").c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    Diagnostics diag("evstatus", [this](std::string_view t) { m_err += t; });
    {
        ev::Input events(o.input, diag);
        ev::Writer out(fd);
        EXPECT_EQ(run(o, events, out, diag), exit_code::k_io);
    }
    ::close(fd);
    EXPECT_EQ(m_err, "evstatus: " + m_dir + "/nope: No such file or directory\n");
}

TEST_F(StatusRun, StateFileRoundTripsThroughTwoRuns) {
    Options o;
    o.clock = ClockKind::event;
    o.alerts_only = true;
    o.state_path = m_dir + "/state";
    ASSERT_EQ(run_with(o, "{\"time\":1,\"subject\":\"a\",\"name\":\"b\",\"state\":\"warning\",\"ttl\":5}\n"), 0);
    EXPECT_NE(output().find("\"reason\":\"transition\""), std::string::npos);
    // Second run: the event clock resumes at 1 from the file, and the
    // deadline (6) carried over fires before the event at 10.
    ASSERT_EQ(run_with(o, "{\"time\":10,\"subject\":\"c\",\"name\":\"d\",\"state\":\"ok\"}\n"), 0);
    std::string out = output();
    EXPECT_NE(out.find("\"time\":6,\"type\":\"alert\",\"subject\":\"a\",\"name\":\"b\",\"state\":\"critical\""),
              std::string::npos)
        << out;
    EXPECT_EQ(m_err, "");
}

}  // namespace
}  // namespace ev::status
