#include "status/query.h"

#include <fcntl.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <cstdlib>
#include <fstream>
#include <sstream>

#include "status/state_file.h"
#include "status_state_fixture.h"

namespace ev::status {
namespace {

class StatusQuery : public StateFileFixture {};

TEST_F(StatusQuery, CheckCountsStatesAndNamesTheNonOk) {
    CheckOptions o;
    o.state_path = m_state;
    o.name = "WEB";
    o.expression = R"(name == "http")";
    auto [code, out] = capture([&](int fd, Diagnostics& d) { return check(o, fd, d); });
    EXPECT_EQ(out,
              "WEB: OK: 1 WARNING: 1 CRITICAL: 1 UNKNOWN: 0|total=3 ok=1 warn=1 crit=1 unknown=0\n"
              "CRITICAL: web3 (http)\n"
              "WARNING: web2 (http)\n");
    EXPECT_EQ(code, check_code::k_critical);
}

TEST_F(StatusQuery, CheckExitIsTheHighestCodeWithoutCritical) {
    CheckOptions o;
    o.state_path = m_state;
    o.expression = R"(state != "critical")";
    auto [code, out] = capture([&](int fd, Diagnostics& d) { return check(o, fd, d); });
    EXPECT_EQ(code, check_code::k_unknown);  // warning (1) and unknown (3) present
    o.expression = R"(state == "warning" or state == "ok")";
    auto [code2, out2] = capture([&](int fd, Diagnostics& d) { return check(o, fd, d); });
    EXPECT_EQ(code2, check_code::k_warning);
    o.expression = R"(state == "ok")";
    auto [code3, out3] = capture([&](int fd, Diagnostics& d) { return check(o, fd, d); });
    EXPECT_EQ(code3, check_code::k_ok);
    EXPECT_EQ(out3, "EVSTATUS: OK: 1 WARNING: 0 CRITICAL: 0 UNKNOWN: 0|total=1 ok=1 warn=0 crit=0 unknown=0\n");
}

TEST_F(StatusQuery, CheckThresholdsDecideAlone) {
    CheckOptions o;
    o.state_path = m_state;
    o.warn_count = "2";
    o.crit_count = "4";
    auto [code, out] = capture([&](int fd, Diagnostics& d) { return check(o, fd, d); });
    EXPECT_EQ(code, check_code::k_warning);  // 3 non-OK of 4
    o.crit_count = "75%";
    auto [code2, out2] = capture([&](int fd, Diagnostics& d) { return check(o, fd, d); });
    EXPECT_EQ(code2, check_code::k_critical);
    o.warn_count = "80%";
    o.crit_count = "";
    auto [code3, out3] = capture([&](int fd, Diagnostics& d) { return check(o, fd, d); });
    EXPECT_EQ(code3, check_code::k_ok);
}

TEST_F(StatusQuery, CheckMaxAgeUsesTheRegistrationForm) {
    CheckOptions o;
    o.state_path = m_state;
    o.max_age = "5m";
    auto [code, out] = capture([&](int fd, Diagnostics& d) { return check(o, fd, d); });
    // Ages against the state file's event time 1000: web3 was last seen at 600.
    EXPECT_EQ(
        out,
        "EVSTATUS: CRITICAL: 1 / 4 hosts not checked in within 300 seconds|totalhosts=4 oldhosts=1 currenthosts=3\n"
        "web3 last seen 400 seconds ago\n");
    EXPECT_EQ(code, check_code::k_critical);
    o.now = "1200";
    auto [code2, out2] = capture([&](int fd, Diagnostics& d) { return check(o, fd, d); });
    EXPECT_EQ(out2.substr(0, out2.find('|')), "EVSTATUS: CRITICAL: 1 / 4 hosts not checked in within 300 seconds");
    o.now = "1400";
    o.warn_count = "1";
    o.crit_count = "50%";
    auto [code3, out3] = capture([&](int fd, Diagnostics& d) { return check(o, fd, d); });
    EXPECT_EQ(
        out3.substr(0, out3.find('\n')),
        "EVSTATUS: CRITICAL: 4 / 4 hosts not checked in within 300 seconds|totalhosts=4 oldhosts=4 currenthosts=0");
    o.now = "1000";
    o.crit_count = "";
    o.warn_count = "2";
    auto [code4, out4] = capture([&](int fd, Diagnostics& d) { return check(o, fd, d); });
    EXPECT_EQ(code4, check_code::k_ok);
    EXPECT_EQ(out4.substr(0, 13), "EVSTATUS: OK:");
}

TEST_F(StatusQuery, CheckWithNothingSelectedIsUnknown) {
    CheckOptions o;
    o.state_path = m_state;
    o.expression = R"(subject == "nope")";
    auto [code, out] = capture([&](int fd, Diagnostics& d) { return check(o, fd, d); });
    EXPECT_EQ(code, check_code::k_unknown);
}

TEST_F(StatusQuery, CheckMissingStateFileIsUnknown) {
    CheckOptions o;
    o.state_path = m_dir + "/missing";
    auto [code, out] = capture([&](int fd, Diagnostics& d) { return check(o, fd, d); });
    EXPECT_EQ(code, check_code::k_unknown);
    EXPECT_EQ(out, "EVSTATUS: UNKNOWN: state file " + m_dir + "/missing: No such file or directory\n");
}

// The state keeps each identity's last message and tags: show prints them
// (a string message as text, escaped) and expressions select on them.
TEST_F(StatusQuery, MessagesAndTagsAreShownAndSelected) {
    IdentityTable t;
    add(t, "web1", "http", State::ok, 1000);
    add(t, "web3", "http", State::critical, 600);
    add(t, "db1", "disk", State::warning, 1000);
    IdentityEntry* web3 = t.find("web3", "http");
    t.set_message(*web3, R"("HTTP CRITICAL - 503\n| x=1")");
    t.set_tags(*web3, R"({"role":"frontend_web"})");
    IdentityEntry* db1 = t.find("db1", "disk");
    t.set_message(*db1, R"({"used":91})");
    t.set_tags(*db1, R"({"role":"db"})");
    std::string text;
    encode_state(t, ClockKind::event, 1000, text);
    ASSERT_TRUE(save_state_file(m_state, text));

    ShowOptions o;
    o.state_path = m_state;
    auto [code, out] = capture([&](int fd, Diagnostics& d) { return show(o, fd, d); });
    EXPECT_EQ(code, 0);
    EXPECT_EQ(out,
              "SUBJECT  NAME  STATE     SINCE                 LAST-SEEN             FLAGS  MESSAGE\n"
              "db1      disk  warning   1970-01-01T00:16:40Z  1970-01-01T00:16:40Z  -      {\"used\":91}\n"
              "web1     http  ok        1970-01-01T00:16:40Z  1970-01-01T00:16:40Z  -      -\n"
              "web3     http  critical  1970-01-01T00:10:00Z  1970-01-01T00:10:00Z  -      HTTP CRITICAL - 503\\n\\x7c "
              "x=1\n");
    o.json = true;
    o.expression = R"(tags.role == "frontend_web")";
    auto [code2, out2] = capture([&](int fd, Diagnostics& d) { return show(o, fd, d); });
    EXPECT_EQ(code2, 0);
    EXPECT_EQ(out2, R"({"time":600,"subject":"web3","name":"http","state":"critical","severity":2,)"
                    R"("message":"HTTP CRITICAL - 503\n| x=1","tags":{"role":"frontend_web"},"since":600,)"
                    R"("expired":false,"flapping":false,"soft":0})"
                    "\n");

    CheckOptions c;
    c.state_path = m_state;
    c.expression = R"(message.used > 90 or tags.role == "frontend_web")";
    auto [code3, out3] = capture([&](int fd, Diagnostics& d) { return check(c, fd, d); });
    EXPECT_EQ(code3, check_code::k_critical);
    EXPECT_EQ(out3,
              "EVSTATUS: OK: 0 WARNING: 1 CRITICAL: 1 UNKNOWN: 0|total=2 ok=0 warn=1 crit=1 unknown=0\n"
              "CRITICAL: web3 (http)\n"
              "WARNING: db1 (disk)\n");
}

TEST_F(StatusQuery, ShowTableAndJson) {
    ShowOptions o;
    o.state_path = m_state;
    o.expression = R"(subject == "web2")";
    auto [code, out] = capture([&](int fd, Diagnostics& d) { return show(o, fd, d); });
    EXPECT_EQ(code, 0);
    EXPECT_EQ(out,
              "SUBJECT  NAME  STATE    SINCE                 LAST-SEEN             FLAGS  MESSAGE\n"
              "web2     http  warning  1970-01-01T00:16:30Z  1970-01-01T00:16:30Z  -      -\n");
    o.json = true;
    auto [code2, out2] = capture([&](int fd, Diagnostics& d) { return show(o, fd, d); });
    EXPECT_EQ(out2, R"({"time":990,"subject":"web2","name":"http","state":"warning","severity":1,"since":990,)"
                    R"("expired":false,"flapping":false,"soft":0})"
                    "\n");
}

// A subject or name holding a newline, '|', ESC or NUL must not forge a
// plugin output line, a perfdata section or a terminal control sequence.
class StatusQueryForged : public StatusQuery {
protected:
    void SetUp() override {
        char tmpl[] = "/tmp/evstatus_query_test.XXXXXX";
        ASSERT_NE(mkdtemp(tmpl), nullptr);
        m_dir = tmpl;
        m_state = m_dir + "/state";
        IdentityTable t;
        add(t, "a\nOK - fake | x=1", "n", State::critical, 1000);
        add(t, std::string("\x1b[2J\0z", 6).c_str(), "n", State::critical, 1000);  // cut at the NUL by c_str()
        bool inserted = false;
        auto& e = t.get(std::string("\x1b[2J\0z", 6), "n\xE2\x80\xAEgnp.exe", IdentityState{}, inserted);
        e.state.state = State::warning;
        e.state.seen = 400;
        e.state.since = 400;
        std::string text;
        encode_state(t, ClockKind::event, 1000, text);
        ASSERT_TRUE(save_state_file(m_state, text));
    }
};

TEST_F(StatusQueryForged, CheckEscapesSubjectsNamesAndLabel) {
    CheckOptions o;
    o.state_path = m_state;
    o.name = "EV|X\n";
    auto [code, out] = capture([&](int fd, Diagnostics& d) { return check(o, fd, d); });
    EXPECT_EQ(code, check_code::k_critical);
    EXPECT_EQ(out,
              "EV\\x7cX\\n: OK: 0 WARNING: 1 CRITICAL: 2 UNKNOWN: 0|total=3 ok=0 warn=1 crit=2 unknown=0\n"
              "CRITICAL: \\x1b[2J (n), a\\nOK - fake \\x7c x=1 (n)\n"
              "WARNING: \\x1b[2J\\x00z (n\\u{202e}gnp.exe)\n");
}

TEST_F(StatusQueryForged, CheckMaxAgeEscapesSubjects) {
    CheckOptions o;
    o.state_path = m_state;
    o.max_age = "5m";
    auto [code, out] = capture([&](int fd, Diagnostics& d) { return check(o, fd, d); });
    EXPECT_EQ(code, check_code::k_critical);
    EXPECT_EQ(
        out,
        "EVSTATUS: CRITICAL: 1 / 3 hosts not checked in within 300 seconds|totalhosts=3 oldhosts=1 currenthosts=2\n"
        "\\x1b[2J\\x00z last seen 600 seconds ago\n");
    o.now = "1400";
    auto [code2, out2] = capture([&](int fd, Diagnostics& d) { return check(o, fd, d); });
    EXPECT_EQ(
        out2,
        "EVSTATUS: CRITICAL: 3 / 3 hosts not checked in within 300 seconds|totalhosts=3 oldhosts=3 currenthosts=0\n"
        "\\x1b[2J last seen 400 seconds ago\n"
        "\\x1b[2J\\x00z last seen 1000 seconds ago\n"
        "a\\nOK - fake \\x7c x=1 last seen 400 seconds ago\n");
}

TEST_F(StatusQueryForged, UnknownLineEscapesTheReason) {
    CheckOptions o;
    o.state_path = m_dir + "/mis|sing\n";
    auto [code, out] = capture([&](int fd, Diagnostics& d) { return check(o, fd, d); });
    EXPECT_EQ(code, check_code::k_unknown);
    EXPECT_EQ(out, "EVSTATUS: UNKNOWN: state file " + m_dir + "/mis\\x7csing\\n: No such file or directory\n");
}

TEST_F(StatusQueryForged, ShowTableEscapesAndAligns) {
    ShowOptions o;
    o.state_path = m_state;
    auto [code, out] = capture([&](int fd, Diagnostics& d) { return show(o, fd, d); });
    EXPECT_EQ(code, 0);
    EXPECT_EQ(
        out,
        "SUBJECT                NAME              STATE     SINCE                 LAST-SEEN             FLAGS  "
        "MESSAGE\n"
        "\\x1b[2J                n                 critical  1970-01-01T00:16:40Z  1970-01-01T00:16:40Z  -      -\n"
        "\\x1b[2J\\x00z           n\\u{202e}gnp.exe  warning   1970-01-01T00:06:40Z  1970-01-01T00:06:40Z  -      -\n"
        "a\\nOK - fake \\x7c x=1  n                 critical  1970-01-01T00:16:40Z  1970-01-01T00:16:40Z  -      -\n");
    o.json = true;
    auto [code2, out2] = capture([&](int fd, Diagnostics& d) { return show(o, fd, d); });
    EXPECT_NE(out2.find(R"("subject":"a\nOK - fake | x=1")"), std::string::npos) << out2;
    EXPECT_NE(out2.find(R"("subject":"\u001b[2J\u0000z")"), std::string::npos) << out2;
}

TEST(StatusThreshold, Parses) {
    auto t = parse_threshold("10%");
    ASSERT_TRUE(t);
    EXPECT_TRUE(t->percent);
    EXPECT_TRUE(t->reached(1, 10));
    EXPECT_FALSE(t->reached(0, 10));
    EXPECT_FALSE(parse_threshold("ten"));
    EXPECT_FALSE(parse_threshold("-1"));
    EXPECT_FALSE(parse_threshold("%"));
}

TEST(StatusFormat, Utc) {
    EXPECT_EQ(format_utc(1790000000.9), "2026-09-21T14:13:20Z");
}

}  // namespace
}  // namespace ev::status
