#include "nagios/perffile.h"

#include <gtest/gtest.h>

#include <fcntl.h>
#include <unistd.h>

#include <cmath>
#include <string>

#include "core/writer.h"

namespace ev::nagios {
namespace {

const char* k_pnp_service =
    "DATATYPE::SERVICEPERFDATA\tTIMET::1700000000\tHOSTNAME::web1\tSERVICEDESC::Load\t"
    "SERVICEPERFDATA::load1=0.5;5;10;0; load5=0.4;4;8;0;\tSERVICECHECKCOMMAND::check_load!5!10\t"
    "HOSTSTATE::UP\tHOSTSTATETYPE::HARD\tSERVICESTATE::WARNING\tSERVICESTATETYPE::SOFT\tEXTRA::kept";

TEST(NagiosPerfFile, PnpServiceLine) {
    auto line = parse_perf_line(k_pnp_service);
    ASSERT_TRUE(line.ok()) << line.error();
    EXPECT_EQ(line->time, 1700000000);
    EXPECT_EQ(line->host, "web1");
    EXPECT_EQ(line->service, "Load");
    EXPECT_EQ(line->perfdata, "load1=0.5;5;10;0; load5=0.4;4;8;0;");
    EXPECT_EQ(line->state, State::warning);
    EXPECT_EQ(line->fields.size(), 11u);
    EXPECT_EQ(line->fields.back(), (std::pair<std::string, std::string>{"EXTRA", "kept"}));
}

TEST(NagiosPerfFile, PnpHostLine) {
    auto line = parse_perf_line(
        "DATATYPE::HOSTPERFDATA\tTIMET::1700000001\tHOSTNAME::web1\tHOSTPERFDATA::rta=0.1ms;3000;5000;0 pl=0%;80;100;0"
        "\tHOSTCHECKCOMMAND::check-host-alive\tHOSTSTATE::DOWN\tHOSTSTATETYPE::HARD");
    ASSERT_TRUE(line.ok()) << line.error();
    EXPECT_EQ(line->service, "host");
    EXPECT_EQ(line->state, State::critical);
    EXPECT_EQ(line->perfdata, "rta=0.1ms;3000;5000;0 pl=0%;80;100;0");
}

TEST(NagiosPerfFile, NagiosDefaultPositional) {
    auto s = parse_perf_line("[SERVICEPERFDATA]\t1700000002\tdb1\tDisk /\t0.012\t0.105\tDISK OK\t/=10MB;80;90;0;100");
    ASSERT_TRUE(s.ok()) << s.error();
    EXPECT_EQ(s->host, "db1");
    EXPECT_EQ(s->service, "Disk /");
    EXPECT_EQ(s->output, "DISK OK");
    EXPECT_EQ(s->perfdata, "/=10MB;80;90;0;100");
    EXPECT_FALSE(s->state.has_value());
    auto h = parse_perf_line("[HOSTPERFDATA]\t1700000003\tdb1\t0.01\tPING OK\trta=1ms");
    ASSERT_TRUE(h.ok()) << h.error();
    EXPECT_EQ(h->service, "host");
    EXPECT_EQ(h->perfdata, "rta=1ms");
}

TEST(NagiosPerfFile, BadLines) {
    struct Case {
        const char* line;
        const char* error;
    };
    const Case cases[] = {
        {"hello world", "neither a PNP4Nagios KEY::VALUE line nor a [SERVICEPERFDATA]/[HOSTPERFDATA] line"},
        {"DATATYPE::SERVICEPERFDATA\tHOSTNAME::a\tSERVICEDESC::b", "no TIMET field"},
        {"DATATYPE::SERVICEPERFDATA\tTIMET::x\tHOSTNAME::a", "bad TIMET 'x': not a number"},
        {"DATATYPE::SERVICEPERFDATA\tTIMET::1\tSERVICEDESC::b", "no HOSTNAME field"},
        {"DATATYPE::SERVICEPERFDATA\tTIMET::1\tHOSTNAME::a", "no SERVICEDESC field"},
        {"DATATYPE::OTHER\tTIMET::1", "unknown DATATYPE 'OTHER'"},
        {"TIMET::1\tHOSTNAME::a", "no DATATYPE field"},
        {"DATATYPE::SERVICEPERFDATA\tjunk", "field 'junk' is not KEY::VALUE"},
        {"DATATYPE::SERVICEPERFDATA\tTIMET::1\tHOSTNAME::a\tSERVICEDESC::b\tSERVICESTATE::BAD", "unknown state 'BAD'"},
        {"[SERVICEPERFDATA]\t1\ta", "[SERVICEPERFDATA] has 3 fields, expected 8"},
    };
    for (const Case& c : cases) {
        auto r = parse_perf_line(c.line);
        ASSERT_FALSE(r.ok()) << c.line;
        EXPECT_EQ(r.error(), c.error);
    }
}

TEST(NagiosPerfFile, TimetFrom1970To9999) {
    auto time_of = [](std::string timet) {
        return parse_perf_line("DATATYPE::HOSTPERFDATA\tTIMET::" + timet + "\tHOSTNAME::h\tHOSTPERFDATA::");
    };
    auto pos = [](std::string timet) { return parse_perf_line("[HOSTPERFDATA]\t" + timet + "\th\t0\tOK\trta=1"); };
    for (const char* good : {"0", "1700000000", "1700000000.25", "253402300799", "253402300799.5", "-0", "+5"}) {
        auto line = time_of(good);
        ASSERT_TRUE(line.ok()) << good << ": " << line.error();
        EXPECT_TRUE(pos(good).ok()) << good;
    }
    EXPECT_EQ(time_of("253402300799")->time, 253402300799.0);  // 9999-12-31T23:59:59Z
    EXPECT_TRUE(std::signbit(time_of("-0")->time) == false);
    const std::string range = "': not a time from 1970 to 9999 (0 to 253402300799)";
    for (const char* bad : {"99999999999999999999999", "253402300800", "1e23", "-1", "-0.5", "1e308"}) {
        auto line = time_of(bad);
        ASSERT_FALSE(line.ok()) << bad;
        EXPECT_EQ(line.error(), "bad TIMET '" + std::string(bad) + range);
        auto p = pos(bad);
        ASSERT_FALSE(p.ok()) << bad;
        EXPECT_EQ(p.error(), line.error());
    }
    for (const char* bad : {"nan", "NaN", "inf", "-inf", "infinity", "1e400", "0x10", "", " 1", "1 "}) {
        auto line = time_of(bad);
        ASSERT_FALSE(line.ok()) << bad;
        EXPECT_EQ(line.error(), "bad TIMET '" + std::string(bad) + "': not a number");
    }
}

TEST(NagiosPerfFile, ErrorsQuoteAShortEscapedPrefix) {
    std::string huge(10 << 20, 'x');
    auto r = parse_perf_line("DATATYPE::SERVICEPERFDATA\tTIMET::" + huge);
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.error(), "bad TIMET '" + std::string(64, 'x') + "...': not a number");
    r = parse_perf_line("DATATYPE::SERVICEPERFDATA\t" + huge);
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.error(), "field '" + std::string(64, 'x') + "...' is not KEY::VALUE");
    r = parse_perf_line("DATATYPE::\x1b[2J|\r\tTIMET::1");
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.error(), "unknown DATATYPE '\\x1b[2J\\x7c\\r'");
    r = parse_perf_line("DATATYPE::SERVICEPERFDATA\tTIMET::1\tHOSTNAME::a\tSERVICEDESC::b\tSERVICESTATE::\n" +
                        std::string(1, '\0'));
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.error(), "unknown state '\\n\xEF\xBF\xBD'");  // fields are made valid UTF-8 (NUL is U+FFFD) first
}

TEST(NagiosPerfFile, StateNames) {
    EXPECT_EQ(parse_nagios_state("OK", false), State::ok);
    EXPECT_EQ(parse_nagios_state("2", false), State::critical);
    EXPECT_EQ(parse_nagios_state("UNKNOWN", false), State::unknown);
    EXPECT_EQ(parse_nagios_state("UP", true), State::ok);
    EXPECT_EQ(parse_nagios_state("UNREACHABLE", true), State::critical);
    EXPECT_FALSE(parse_nagios_state("UP", false).has_value());
}

TEST(NagiosPerfFile, EventsOfAPnpLine) {
    int fds[2];
    ASSERT_EQ(::pipe(fds), 0);
    {
        Writer out(fds[1]);
        ManualClock clock(1);
        IdGenerator ids(clock, 7);
        auto line = parse_perf_line(k_pnp_service);
        ASSERT_TRUE(line.ok());
        EXPECT_TRUE(write_perf_line_events(*line, true, ids, out).empty());
        ASSERT_TRUE(out.flush().ok());
    }
    ::close(fds[1]);
    std::string text;
    char buf[4096];
    ssize_t n;
    while ((n = ::read(fds[0], buf, sizeof buf)) > 0) {
        text.append(buf, static_cast<std::size_t>(n));
    }
    ::close(fds[0]);
    std::vector<std::string> lines;
    for (std::size_t b = 0, e; (e = text.find('\n', b)) != std::string::npos; b = e + 1) {
        lines.push_back(text.substr(b, e - b));
    }
    ASSERT_EQ(lines.size(), 3u);
    EXPECT_NE(
        lines[0].find(
            R"("time":1700000000,"type":"status","subject":"web1","name":"Load","state":"warning","severity":1,"metric":0.5,"source":"nagios","data":{"fields":{)"),
        std::string::npos)
        << lines[0];
    EXPECT_NE(lines[0].find(R"("EXTRA":"kept")"), std::string::npos);
    EXPECT_NE(lines[1].find(R"("type":"metric","subject":"web1","name":"Load.load1","metric":0.5,"source":"nagios"})"),
              std::string::npos)
        << lines[1];
    EXPECT_NE(lines[2].find(R"("name":"Load.load5","metric":0.4)"), std::string::npos);
}

}  // namespace
}  // namespace ev::nagios
