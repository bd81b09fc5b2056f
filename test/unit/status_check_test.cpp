// evstatus check (issue 16): nothing selected, labels, --now, the verdict
// first, --max-list, --expect; forget; show --format openmetrics, --output
// and --silences.
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <cstdlib>
#include <fstream>
#include <sstream>

#include "batch/silences.h"
#include "status/openmetrics.h"
#include "status/query.h"
#include "status/state_file.h"
#include "status_state_fixture.h"

namespace ev::status {
namespace {

class StatusCheck : public StateFileFixture {
protected:
    std::pair<int, std::string> run_check(const CheckOptions& o) {
        return capture([&](int fd, Diagnostics& d) { return check(o, fd, d); });
    }
    CheckOptions options() const {
        CheckOptions o;
        o.state_path = m_state;
        return o;
    }
};

TEST_F(StatusCheck, NothingSelectedIsUnknownAndSaysWhy) {
    CheckOptions o = options();
    o.name = "WEB";
    o.expression = R"(subject == "nope|x")";
    auto [code, out] = run_check(o);
    EXPECT_EQ(code, check_code::k_unknown);
    EXPECT_EQ(out, "WEB: UNKNOWN: no identities match subject == \"nope\\x7cx\"\n");
    o.max_age = "5m";
    auto [code2, out2] = run_check(o);
    EXPECT_EQ(code2, check_code::k_unknown);
    EXPECT_EQ(out2, out);
    // An empty state file: nothing to check either.
    save(IdentityTable{});
    auto [code3, out3] = run_check(options());
    EXPECT_EQ(code3, check_code::k_unknown);
    EXPECT_EQ(out3, "EVSTATUS: UNKNOWN: no identities in the state file\n");
}

TEST_F(StatusCheck, NameLabelsTheMaxAgeLine) {
    CheckOptions o = options();
    o.name = "REG|1";
    o.max_age = "5m";
    auto [code, out] = run_check(o);
    EXPECT_EQ(code, check_code::k_critical);
    EXPECT_EQ(out,
              "REG\\x7c1: CRITICAL: 1 / 4 hosts not checked in within 300 seconds|totalhosts=4 oldhosts=1 "
              "currenthosts=3\nweb3 last seen 400 seconds ago\n");
}

TEST_F(StatusCheck, NowTakesEpochSecondsOrRfc3339) {
    CheckOptions o = options();
    o.max_age = "5m";
    o.now = "1400";
    auto [code, epoch] = run_check(o);
    o.now = "1970-01-01T00:23:20Z";
    auto [code2, rfc] = run_check(o);
    o.now = "1970-01-01T01:23:20+01:00";
    auto [code3, offset] = run_check(o);
    EXPECT_EQ(epoch.substr(0, epoch.find('\n')),
              "EVSTATUS: CRITICAL: 4 / 4 hosts not checked in within 300 seconds|totalhosts=4 oldhosts=4 "
              "currenthosts=0");
    EXPECT_EQ(rfc, epoch);
    EXPECT_EQ(offset, epoch);
    o.now = "yesterday";
    auto [code4, bad] = run_check(o);
    EXPECT_EQ(code4, 2);
    EXPECT_EQ(bad, "");
    EXPECT_NE(m_err.find("--now: "), std::string::npos) << m_err;
}

TEST_F(StatusCheck, WithThresholdsTheVerdictLeads) {
    CheckOptions o = options();
    o.warn_count = "2";
    o.crit_count = "4";
    auto [code, out] = run_check(o);
    EXPECT_EQ(code, check_code::k_warning);  // 3 non-OK of 4
    EXPECT_EQ(out.substr(0, out.find('\n')),
              "EVSTATUS: WARNING: OK: 1 WARNING: 1 CRITICAL: 1 UNKNOWN: 1|total=4 ok=1 warn=1 crit=1 unknown=1");
    o.warn_count = "90%";
    o.crit_count = "";
    auto [code2, out2] = run_check(o);
    EXPECT_EQ(code2, check_code::k_ok);  // a critical is present, but the threshold decides
    EXPECT_EQ(out2.rfind("EVSTATUS: OK: OK: 1 WARNING: 1 CRITICAL: 1 ", 0), 0u) << out2;
    // Without a threshold the states decide and the line is as before.
    auto [code3, out3] = run_check(options());
    EXPECT_EQ(code3, check_code::k_critical);
    EXPECT_EQ(out3.rfind("EVSTATUS: OK: 1 WARNING: 1 ", 0), 0u) << out3;
}

TEST_F(StatusCheck, ListsAreCappedAtMaxList) {
    IdentityTable t;
    for (int i = 0; i < 25; ++i) {
        add(t, fmt::format("n{:02}", i), "hb", State::critical, 100);
    }
    save(t);
    CheckOptions o = options();
    auto [code, out] = run_check(o);
    EXPECT_EQ(code, check_code::k_critical);
    std::string listed = "CRITICAL: n00 (hb)";
    for (int i = 1; i < 20; ++i) {
        listed += fmt::format(", n{:02} (hb)", i);
    }
    EXPECT_EQ(out.substr(out.find('\n') + 1), listed + ", ... and 5 more\n");
    o.max_list = 2;
    auto [code2, out2] = run_check(o);
    EXPECT_EQ(out2.substr(out2.find('\n') + 1), "CRITICAL: n00 (hb), n01 (hb), ... and 23 more\n");
    o.max_list = 0;
    auto [code3, out3] = run_check(o);
    EXPECT_NE(out3.find(", n24 (hb)\n"), std::string::npos) << out3;
    // The old hosts of --max-age too.
    o.max_list = 3;
    o.max_age = "1m";
    auto [code4, out4] = run_check(o);
    EXPECT_EQ(out4.substr(out4.find('\n') + 1),
              "n00 last seen 900 seconds ago\nn01 last seen 900 seconds ago\nn02 last seen 900 seconds ago\n"
              "... and 22 more\n");
}

TEST_F(StatusCheck, ExpectedIdentitiesNeverSeenAreUnknown) {
    CheckOptions o = options();
    o.expect_path = write("expect",
                          "# the fleet\nweb1\nnode9\n\n"
                          R"({"subject":"web2","name":"http"})"
                          "\n"
                          R"({"subject":"web2","name":"ping"})"
                          "\n");
    auto [code, out] = run_check(o);
    EXPECT_EQ(code, check_code::k_critical);
    EXPECT_EQ(out,
              "EVSTATUS: OK: 1 WARNING: 1 CRITICAL: 1 UNKNOWN: 3|total=6 ok=1 warn=1 crit=1 unknown=3 unseen=2\n"
              "CRITICAL: web3 (http)\n"
              "WARNING: web2 (http)\n"
              "UNKNOWN: db1 (disk), node9 (never seen), web2 (ping, never seen)\n");
    // Only the selected identities answer: web4 has no http identity.
    o.expect_path = write("expect2", "web1\nweb4\n");
    o.expression = R"(name == "http" and subject != "web3")";
    auto [code2, out2] = run_check(o);
    EXPECT_EQ(code2, check_code::k_unknown);
    EXPECT_EQ(out2,
              "EVSTATUS: OK: 1 WARNING: 1 CRITICAL: 0 UNKNOWN: 1|total=3 ok=1 warn=1 crit=0 unknown=1 unseen=1\n"
              "WARNING: web2 (http)\n"
              "UNKNOWN: web4 (never seen)\n");
    // Nothing selected but an expected host: it is reported, not "no identities".
    o.expression = R"(subject == "nope")";
    auto [code3, out3] = run_check(o);
    EXPECT_EQ(code3, check_code::k_unknown);
    EXPECT_EQ(out3.substr(0, out3.find('|')), "EVSTATUS: OK: 0 WARNING: 0 CRITICAL: 0 UNKNOWN: 2");
    // --max-age: an expected host never seen is old.
    o.expression = "";
    o.max_age = "5m";
    auto [code4, out4] = run_check(o);
    EXPECT_EQ(code4, check_code::k_critical);
    EXPECT_EQ(out4,
              "EVSTATUS: CRITICAL: 2 / 5 hosts not checked in within 300 seconds|totalhosts=5 oldhosts=2 "
              "currenthosts=3\nweb3 last seen 400 seconds ago\nweb4 never seen\n");
    // A list that cannot be read is UNKNOWN, as a missing state file.
    o.expect_path = m_dir + "/missing";
    auto [code5, out5] = run_check(o);
    EXPECT_EQ(code5, check_code::k_unknown);
    EXPECT_EQ(out5, "EVSTATUS: UNKNOWN: --expect: " + m_dir + "/missing: No such file or directory\n");
}

TEST_F(StatusCheck, ForgetDropsWhatExprSelects) {
    ForgetOptions f;
    f.state_path = m_state;
    f.expression = R"(subject == "web3" or name == "disk")";
    auto [code, out] = capture([&](int fd, Diagnostics& d) { return forget(f, fd, d); });
    EXPECT_EQ(code, 0);
    EXPECT_EQ(out, "forgot 2 of 4 identities\n");
    auto loaded = load_state_file(m_state);
    ASSERT_TRUE(loaded && *loaded);
    ASSERT_EQ((*loaded)->identities.size(), 2u);
    EXPECT_EQ((*loaded)->identities[0].subject, "web1");
    EXPECT_EQ((*loaded)->identities[1].subject, "web2");
    EXPECT_EQ((*loaded)->identities[1].state.state, State::warning);
    EXPECT_EQ((*loaded)->time, 1000);
    EXPECT_EQ((*loaded)->clock, ClockKind::event);
    // Nothing selected: exit 1 and the file is left alone.
    struct stat before {};
    ASSERT_EQ(::stat(m_state.c_str(), &before), 0);
    auto [code2, out2] = capture([&](int fd, Diagnostics& d) { return forget(f, fd, d); });
    EXPECT_EQ(code2, 1);
    EXPECT_EQ(out2, "forgot 0 of 2 identities\n");
    struct stat after {};
    ASSERT_EQ(::stat(m_state.c_str(), &after), 0);
    EXPECT_EQ(before.st_ino, after.st_ino);
    // A running evstatus holds the lock: forget refuses instead of being overwritten.
    auto lock = lock_state_file(m_state);
    ASSERT_TRUE(lock && *lock);
    f.expression = "true";
    auto [code3, out3] = capture([&](int fd, Diagnostics& d) { return forget(f, fd, d); });
    EXPECT_EQ(code3, 2);
    EXPECT_NE(m_err.find("state file " + m_state + " is in use: " + m_state + ".lock is locked by another process"),
              std::string::npos)
        << m_err;
    // No EXPR is a usage error, not "forget everything".
    f.expression = "";
    auto [code4, out4] = capture([&](int fd, Diagnostics& d) { return forget(f, fd, d); });
    EXPECT_EQ(code4, 2);
}

TEST(StatusOpenMetrics, LabelValuesAreEscaped) {
    std::string out;
    append_label_value("a\\b\"c\nd\té", out);
    EXPECT_EQ(out, "a\\\\b\\\"c\\nd\té");
}

TEST_F(StatusCheck, ShowOpenMetricsWritesTheTextFormat) {
    IdentityTable t;
    add(t, "web\"1\n", "http\\", State::critical, 1000);
    add(t, "db1", "disk", State::ok, 990);
    t.find("db1", "disk")->state.since = 500;
    t.find("db1", "disk")->state.flags = IdentityState::k_flapping | IdentityState::k_expired;
    save(t);
    ShowOptions o;
    o.state_path = m_state;
    o.format = "openmetrics";
    auto [code, out] = capture([&](int fd, Diagnostics& d) { return show(o, fd, d); });
    EXPECT_EQ(code, 0);
    const char* labels_db = R"({subject="db1",name="disk"})";
    const char* labels_web = R"({subject="web\"1\n",name="http\\"})";
    std::string expected;
    auto family = [&](const char* name, const char* help, const char* db, const char* web) {
        expected += fmt::format("# HELP {} {}\n# TYPE {} gauge\n{}{} {}\n{}{} {}\n", name, help, name, name, labels_db,
                                db, name, labels_web, web);
    };
    family("evkit_status_severity",
           "Current hard state of the identity as its Nagios code (0 ok, 1 warning, 2 critical, 3 unknown).", "0", "2");
    family("evkit_status_last_seen_seconds", "Time of the identity's last status, in Unix seconds.", "990", "1000");
    family("evkit_status_since_seconds", "Time the identity's current state began, in Unix seconds.", "500", "1000");
    family("evkit_status_flapping", "1 while the identity is flapping (Nagios's flap detection), else 0.", "1", "0");
    family("evkit_status_expired", "1 when the identity took its state by expiry (no status within ttl).", "1", "0");
    EXPECT_EQ(out, expected);

    // --output: the same bytes, replaced atomically, a new file readable by the collector.
    o.output = m_dir + "/evstatus.prom";
    auto [code2, out2] = capture([&](int fd, Diagnostics& d) { return show(o, fd, d); });
    EXPECT_EQ(code2, 0);
    EXPECT_EQ(out2, "");
    EXPECT_EQ(read(o.output), expected);
    struct stat st {};
    ASSERT_EQ(::stat(o.output.c_str(), &st), 0);
    EXPECT_EQ(st.st_mode & 0777, 0644u);

    o.format = "yaml";
    auto [code3, out3] = capture([&](int fd, Diagnostics& d) { return show(o, fd, d); });
    EXPECT_EQ(code3, 2);
    o.format = "openmetrics";
    o.json = true;
    auto [code4, out4] = capture([&](int fd, Diagnostics& d) { return show(o, fd, d); });
    EXPECT_EQ(code4, 2);
}

TEST_F(StatusCheck, ShowMarksWhatASilenceCovers) {
    batch::Silence s;
    s.id = "s1";
    s.match = R"(subject == "web3")";
    s.starts = 900;
    s.ends = 1100;  // the state file was saved on event time 1000: in force
    batch::Silence later = s;
    later.id = "s2";
    later.match = R"(subject == "web2")";
    later.starts = 2000;
    later.ends = 3000;  // not yet
    std::string path = write("silences", batch::silence_line(s) + "\n" + batch::silence_line(later) + "\n");
    ShowOptions o;
    o.state_path = m_state;
    o.silences_path = path;
    o.expression = R"(name == "http")";
    auto [code, out] = capture([&](int fd, Diagnostics& d) { return show(o, fd, d); });
    EXPECT_EQ(code, 0);
    EXPECT_EQ(out,
              "SUBJECT  NAME  STATE     SINCE                 LAST-SEEN             FLAGS     MESSAGE\n"
              "web1     http  ok        1970-01-01T00:16:40Z  1970-01-01T00:16:40Z  -         -\n"
              "web2     http  warning   1970-01-01T00:16:30Z  1970-01-01T00:16:30Z  -         -\n"
              "web3     http  critical  1970-01-01T00:10:00Z  1970-01-01T00:10:00Z  silenced  -\n");
    o.format = "json";
    auto [code2, out2] = capture([&](int fd, Diagnostics& d) { return show(o, fd, d); });
    EXPECT_NE(out2.find(R"("subject":"web3","name":"http","state":"critical")"), std::string::npos);
    EXPECT_NE(out2.find(R"("silenced":true)"), std::string::npos) << out2;
    EXPECT_NE(out2.find(R"("silenced":false)"), std::string::npos) << out2;
    o.format = "openmetrics";
    auto [code3, out3] = capture([&](int fd, Diagnostics& d) { return show(o, fd, d); });
    EXPECT_NE(out3.find("evkit_status_silenced{subject=\"web3\",name=\"http\"} 1\n"), std::string::npos) << out3;
    EXPECT_NE(out3.find("evkit_status_silenced{subject=\"web2\",name=\"http\"} 0\n"), std::string::npos) << out3;
    // A bad silences file is an error, not "nothing silenced".
    o.silences_path = write("bad", "garbage\n");
    auto [code4, out4] = capture([&](int fd, Diagnostics& d) { return show(o, fd, d); });
    EXPECT_EQ(code4, 2);
    EXPECT_EQ(out4, "");
}

}  // namespace
}  // namespace ev::status
