#include "nagios/follow.h"

#include <gtest/gtest.h>

#include <fcntl.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "core/signals.h"
#include "core/writer.h"

namespace ev::nagios {
namespace {

std::string perf_line(int n) {
    return "DATATYPE::SERVICEPERFDATA\tTIMET::" + std::to_string(n) +
           "\tHOSTNAME::h\tSERVICEDESC::s\tSERVICEPERFDATA::v=" + std::to_string(n) + "\tSERVICESTATE::OK\n";
}

class NagiosFollow : public testing::Test {
protected:
    void SetUp() override {
        signals::reset();
        char tmpl[] = "/tmp/evsrc_nagios_follow_test.XXXXXX";
        ASSERT_NE(mkdtemp(tmpl), nullptr);
        m_dir = tmpl;
        m_file = m_dir + "/perfdata";
    }
    void TearDown() override { EXPECT_EQ(std::system(("rm -rf '" + m_dir + "'").c_str()), 0); }

    void write(const std::string& text, bool append = true) {
        std::ofstream out(m_file, append ? std::ios::app : std::ios::trunc);
        out << text;
    }

    static std::string slurp(const std::string& path) {
        std::ifstream in(path);
        std::stringstream s;
        s << in.rdbuf();
        return s.str();
    }

    // Runs perfdata mode; returns the exit code, events in m_out, diagnostics in m_err.
    int run(PerfFileOptions options) {
        std::string out_path = m_dir + "/out";
        int fd = ::open(out_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
        m_err.clear();
        Diagnostics diag("evsrc-nagios", [this](std::string_view t) { m_err += t; });
        int code = 0;
        {
            Writer out(fd);
            code = run_perffile(options, out, diag);
        }
        ::close(fd);
        m_out = slurp(out_path);
        return code;
    }

    // The "metric" of each status event, in order.
    std::vector<int> metrics() const {
        std::vector<int> out;
        for (std::size_t at = 0; (at = m_out.find("\"metric\":", at)) != std::string::npos; ++at) {
            out.push_back(std::atoi(m_out.c_str() + at + 9));
        }
        return out;
    }

    PerfFileOptions options() const {
        PerfFileOptions o;
        o.files = {m_file};
        o.metrics = false;
        o.max_line = 300;
        o.block = 7;  // lines cross many reads
        return o;
    }

    std::string m_dir, m_file, m_out, m_err;
};

TEST_F(NagiosFollow, LongLinesAreRejectedAndReadingResumes) {
    std::string three = perf_line(3);
    three.insert(three.size() - 1, "\r");  // CRLF is a line end too
    write(perf_line(1) + std::string(1000, 'x') + "\n" + three + std::string(301, 'y') + "\n" + std::string(300, 'z') +
              "\n" + perf_line(6),
          false);
    PerfFileOptions o = options();
    o.rejects_path = m_dir + "/rejects";
    EXPECT_EQ(run(o), 0);
    EXPECT_EQ(metrics(), (std::vector<int>{1, 3, 6}));
    EXPECT_EQ(m_err, "evsrc-nagios: " + m_file + ": line 2: line longer than 300 bytes\n" + "evsrc-nagios: " + m_file +
                         ": line 4: line longer than 300 bytes\n" + "evsrc-nagios: " + m_file +
                         ": line 5: neither a PNP4Nagios KEY::VALUE line nor a " +
                         "[SERVICEPERFDATA]/[HOSTPERFDATA] line\n" + "evsrc-nagios: 3 lines rejected, written to " +
                         o.rejects_path + "\n");
    EXPECT_EQ(slurp(o.rejects_path),
              std::string(1000, 'x') + "\n" + std::string(301, 'y') + "\n" + std::string(300, 'z') + "\n");
}

TEST_F(NagiosFollow, LastLineWithoutNewlineCountsWhenReadOnce) {
    write(perf_line(1) + perf_line(2).substr(0, perf_line(2).size() - 1), false);
    EXPECT_EQ(run(options()), 0);
    EXPECT_EQ(metrics(), (std::vector<int>{1, 2}));
    EXPECT_EQ(m_err, "");
}

TEST_F(NagiosFollow, StrictStopsAtTheFirstBadLine) {
    write(perf_line(1) + std::string(400, 'x') + "\n" + perf_line(3), false);
    PerfFileOptions o = options();
    o.strict = true;
    EXPECT_EQ(run(o), 3);
    EXPECT_EQ(metrics(), (std::vector<int>{1}));
    EXPECT_EQ(m_err, "evsrc-nagios: " + m_file + ": line 2: line longer than 300 bytes\n");
}

TEST_F(NagiosFollow, FollowWaitsForTheNewlineAndSkipsALongLineWrittenInPieces) {
    write(perf_line(1), false);
    PerfFileOptions o = options();
    o.follow = true;
    o.poll_interval = 0.01;
    o.run_for = 1.5;
    std::thread writer([this] {
        auto pause = [] { std::this_thread::sleep_for(std::chrono::milliseconds(60)); };
        pause();
        std::string two = perf_line(2);
        write(two.substr(0, 20));  // a line written in three parts
        pause();
        write(two.substr(20, 40));
        pause();
        write(two.substr(60));
        for (int i = 0; i < 6; ++i) {  // an over-long line, in pieces below and above the limit
            write(std::string(i % 2 == 0 ? 100 : 250, 'x'));
            pause();
        }
        write("\n" + perf_line(4));
        pause();
        write(std::string(200, 'y'));  // long only once its end arrives
        pause();
        write(std::string(200, 'y') + "\n" + perf_line(6));
    });
    EXPECT_EQ(run(o), 0);
    writer.join();
    EXPECT_EQ(metrics(), (std::vector<int>{1, 2, 4, 6}));
    EXPECT_EQ(m_err, "evsrc-nagios: " + m_file + ": line 3: line longer than 300 bytes\n" + "evsrc-nagios: " + m_file +
                         ": line 5: line longer than 300 bytes\n" + "evsrc-nagios: 2 lines rejected\n");
}

}  // namespace
}  // namespace ev::nagios
