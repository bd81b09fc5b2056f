#include "status/state_file.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>

namespace ev::status {
namespace {

IdentityTable sample_table() {
    IdentityTable t;
    bool inserted = false;
    auto& a = t.get("web1", "http", IdentityState{}, inserted);
    a.state.state = State::critical;
    a.state.raw = State::critical;
    a.state.since = 100.5;
    a.state.seen = 120;
    a.state.ttl = 60;
    a.state.flap = 0x5;
    a.state.flap_last = State::critical;
    a.state.flags = IdentityState::k_flapping;
    t.arm(a, 180);
    t.set_message(a, R"("HTTP CRITICAL - 503")");
    t.set_tags(a, R"({"role":"frontend_web"})");
    auto& b = t.get("db \"1\"\n", "disk./var", IdentityState{}, inserted);
    b.state.soft = 2;
    b.state.flags = IdentityState::k_expired;
    return t;
}

TEST(StatusStateFile, RoundTrips) {
    IdentityTable t = sample_table();
    std::string text;
    encode_state(t, ClockKind::event, 130, text);
    auto snapshot = decode_state(text);
    ASSERT_TRUE(snapshot) << snapshot.error();
    EXPECT_EQ(snapshot->clock, ClockKind::event);
    EXPECT_EQ(snapshot->time, 130);
    ASSERT_EQ(snapshot->identities.size(), 2u);
    const SavedIdentity& db = snapshot->identities[0];  // sorted: "db..." < "web1"
    EXPECT_EQ(db.subject, "db \"1\"\n");
    EXPECT_EQ(db.state.soft, 2);
    EXPECT_TRUE(db.state.expired());
    const SavedIdentity& web = snapshot->identities[1];
    EXPECT_EQ(web.state.state, State::critical);
    EXPECT_EQ(web.state.since, 100.5);
    EXPECT_EQ(web.state.deadline, 180);
    EXPECT_EQ(web.state.flap, 5u);
    EXPECT_EQ(web.state.flap_last, State::critical);
    EXPECT_TRUE(web.state.flapping());
    EXPECT_EQ(web.message, R"("HTTP CRITICAL - 503")");
    EXPECT_EQ(web.tags, R"({"role":"frontend_web"})");
    EXPECT_TRUE(db.message.empty());
    EXPECT_TRUE(db.tags.empty());
    EXPECT_EQ(snapshot->version, 2);
    EXPECT_EQ(snapshot->positions, "[]");

    IdentityTable restored;
    restore(restored, *snapshot, std::nullopt);
    std::string again;
    encode_state(restored, ClockKind::event, 130, again);
    EXPECT_EQ(again, text);
    EXPECT_EQ(restored.next_deadline(), 180);
}

TEST(StatusStateFile, TheReplayWindowRoundTrips) {
    RecentIds recent(4);
    recent.insert("c1");
    recent.insert("o2");
    std::string text;
    encode_state(sample_table(), ClockKind::event, 130, text, &recent);
    EXPECT_NE(text.substr(0, text.find('\n')).find("\"recent_ids\":\""), std::string::npos);
    auto snapshot = decode_state(text);
    ASSERT_TRUE(snapshot) << snapshot.error();
    RecentIds back(4);
    ASSERT_TRUE(back.decode(snapshot->recent_ids).ok());
    EXPECT_TRUE(back.contains("c1"));
    EXPECT_TRUE(back.contains("o2"));
    EXPECT_FALSE(back.contains("w3"));
    // An empty window writes nothing: the header is as before.
    std::string plain;
    RecentIds empty(4);
    encode_state(sample_table(), ClockKind::event, 130, plain, &empty);
    EXPECT_EQ(plain.find("recent_ids"), std::string::npos);
    EXPECT_TRUE(decode_state(plain)->recent_ids.empty());
}

TEST(StatusStateFile, ABadReplayWindowIsCorruption) {
    for (const char* bad : {R"("recent_ids":12)", R"("recent_ids":"abc")", R"("recent_ids":"00000000000000zz")"}) {
        std::string text =
            std::string(R"({"evstatus_state":2,"clock":"event","time":1,"count":0,"positions":[],)") + bad + "}\n";
        auto r = decode_state(text);
        ASSERT_FALSE(r) << bad;
        EXPECT_EQ(r.error().substr(0, 8), "line 1: ") << r.error();
    }
}

TEST(StatusStateFile, WallClockRestoreGivesAGraceOfOneTtl) {
    IdentityTable t = sample_table();
    std::string text;
    encode_state(t, ClockKind::wall, 130, text);
    auto snapshot = decode_state(text);
    ASSERT_TRUE(snapshot);
    IdentityTable restored;
    restore(restored, *snapshot, 1000.0);
    EXPECT_EQ(restored.next_deadline(), 1060);
}

TEST(StatusStateFile, EmptyTableIsAHeaderOnly) {
    IdentityTable t;
    std::string text;
    encode_state(t, ClockKind::wall, 1, text);
    EXPECT_EQ(text, "{\"evstatus_state\":2,\"clock\":\"wall\",\"time\":1,\"count\":0,\"positions\":[]}\n");
    auto snapshot = decode_state(text);
    ASSERT_TRUE(snapshot);
    EXPECT_TRUE(snapshot->identities.empty());
}

TEST(StatusStateFile, EveryTruncationIsDetected) {
    std::string text;
    encode_state(sample_table(), ClockKind::event, 130, text);
    for (std::size_t n = 0; n < text.size(); ++n) {
        EXPECT_FALSE(decode_state(text.substr(0, n))) << "prefix of " << n << " bytes was accepted";
    }
}

TEST(StatusStateFile, CorruptionsNameTheLine) {
    std::string header = "{\"evstatus_state\":2,\"clock\":\"event\",\"time\":1,\"count\":1,\"positions\":[]}\n";
    std::string good =
        "{\"subject\":\"a\",\"name\":\"b\",\"state\":\"ok\",\"raw\":\"ok\",\"since\":1,\"seen\":1,\"ttl\":0,"
        "\"deadline\":0,\"soft\":0,\"flap\":0,\"flap_last\":\"ok\",\"flapping\":false,\"expired\":false}\n";
    ASSERT_TRUE(decode_state(header + good));
    auto error_of = [](const std::string& text) {
        auto r = decode_state(text);
        return r ? std::string("accepted") : r.error();
    };
    EXPECT_EQ(error_of(""), "empty file (no header)");
    EXPECT_EQ(error_of("garbage\n"), "line 1: not a JSON object");
    EXPECT_EQ(error_of("{\"x\":1}\n"), "line 1: not an evstatus state file header (missing field \"evstatus_state\")");
    EXPECT_EQ(error_of("{\"evstatus_state\":3,\"clock\":\"event\",\"time\":1,\"count\":0}\n"),
              "line 1: state file version 3 is not supported (expected 1 or 2)");
    EXPECT_EQ(error_of("{\"evstatus_state\":2,\"clock\":\"event\",\"time\":1,\"count\":0}\n"),
              "line 1: missing field \"positions\"");
    EXPECT_EQ(error_of("{\"evstatus_state\":2,\"clock\":\"event\",\"time\":1,\"count\":0,\"positions\":{}}\n"),
              "line 1: field \"positions\" is not an array");
    std::string bad_state = good;
    bad_state.replace(bad_state.find("\"ok\""), 4, "\"fine\"");
    EXPECT_EQ(error_of(header + bad_state), "line 2: field \"state\" is not a state name");
    std::string bad_flap = good;
    bad_flap.replace(bad_flap.find("\"flap\":0"), 8, "\"flap\":2000000");
    EXPECT_EQ(error_of(header + bad_flap), "line 2: field \"flap\" is not an integer in 0..1048575");
    std::string no_flap_last = good;
    no_flap_last.erase(no_flap_last.find(",\"flap_last\":\"ok\""), 17);
    EXPECT_EQ(error_of(header + no_flap_last), "line 2: missing field \"flap_last\"");
    EXPECT_EQ(error_of(header + good + good), "line 3: identity listed twice");
    EXPECT_EQ(error_of(header), "holds 0 identities, the header says 1 (the file is truncated)");
}

// A version 1 file (written before tags, messages and the Nagios flap
// history) loads: its history ends at the last result, it has no message,
// tags or positions, and the next save writes version 2.
TEST(StatusStateFile, VersionOneMigrates) {
    std::string v1 =
        "{\"evstatus_state\":1,\"clock\":\"event\",\"time\":300,\"count\":2,\"recent_ids\":\"\"}\n"
        "{\"subject\":\"web1\",\"name\":\"http\",\"state\":\"ok\",\"raw\":\"critical\",\"since\":100,\"seen\":290,"
        "\"ttl\":60,\"deadline\":350,\"soft\":1,\"flap\":3,\"flapping\":false,\"expired\":false}\n"
        "{\"subject\":\"web2\",\"name\":\"http\",\"state\":\"warning\",\"raw\":\"warning\",\"since\":120,"
        "\"seen\":280,\"ttl\":0,\"deadline\":0,\"soft\":0,\"flap\":0,\"flapping\":true,\"expired\":false}\n";
    auto snapshot = decode_state(v1);
    ASSERT_TRUE(snapshot) << snapshot.error();
    EXPECT_EQ(snapshot->version, 1);
    EXPECT_EQ(snapshot->positions, "[]");
    ASSERT_EQ(snapshot->identities.size(), 2u);
    const SavedIdentity& web1 = snapshot->identities[0];
    EXPECT_EQ(web1.state.flap_last, State::critical);
    EXPECT_EQ(web1.state.soft, 1);
    EXPECT_EQ(web1.state.flap, 3u);
    EXPECT_TRUE(web1.message.empty());
    EXPECT_TRUE(web1.tags.empty());
    EXPECT_EQ(snapshot->identities[1].state.flap_last, State::warning);
    EXPECT_TRUE(snapshot->identities[1].state.flapping());

    IdentityTable table;
    restore(table, *snapshot, std::nullopt);
    std::string v2;
    encode_state(table, snapshot->clock, snapshot->time, v2);
    EXPECT_EQ(
        v2,
        "{\"evstatus_state\":2,\"clock\":\"event\",\"time\":300,\"count\":2,\"positions\":[]}\n"
        "{\"subject\":\"web1\",\"name\":\"http\",\"state\":\"ok\",\"raw\":\"critical\",\"since\":100,\"seen\":290,"
        "\"ttl\":60,\"deadline\":350,\"soft\":1,\"flap\":3,\"flap_last\":\"critical\",\"flapping\":false,"
        "\"expired\":false}\n"
        "{\"subject\":\"web2\",\"name\":\"http\",\"state\":\"warning\",\"raw\":\"warning\",\"since\":120,"
        "\"seen\":280,\"ttl\":0,\"deadline\":0,\"soft\":0,\"flap\":0,\"flap_last\":\"warning\",\"flapping\":true,"
        "\"expired\":false}\n");
    EXPECT_EQ(table.next_deadline(), 350);
}

// Positions (the input positions a state reflects) are kept as read, so a
// later version can fill them without another format.
TEST(StatusStateFile, PositionsAreKeptAsRead) {
    std::string text =
        "{\"evstatus_state\":2,\"clock\":\"event\",\"time\":1,\"count\":0,"
        "\"positions\":[{\"offset\":12,\"file\":\"a\"}]}\n";
    auto snapshot = decode_state(text);
    ASSERT_TRUE(snapshot) << snapshot.error();
    EXPECT_EQ(snapshot->positions, R"([{"file":"a","offset":12}])");
    std::string again;
    IdentityTable empty;
    encode_state(empty, snapshot->clock, snapshot->time, again, nullptr, snapshot->positions);
    EXPECT_EQ(again,
              "{\"evstatus_state\":2,\"clock\":\"event\",\"time\":1,\"count\":0,"
              "\"positions\":[{\"file\":\"a\",\"offset\":12}]}\n");
}

class TempDir : public testing::Test {
protected:
    void SetUp() override {
        char tmpl[] = "/tmp/evstatus_state_test.XXXXXX";
        ASSERT_NE(mkdtemp(tmpl), nullptr);
        m_dir = tmpl;
    }
    void TearDown() override { EXPECT_EQ(std::system(("rm -rf '" + m_dir + "'").c_str()), 0); }
    std::string m_dir;
};

using StatusStateFileDisk = TempDir;

TEST_F(StatusStateFileDisk, SaveThenLoad) {
    std::string path = m_dir + "/state";
    auto missing = load_state_file(path);
    ASSERT_TRUE(missing);
    EXPECT_FALSE(missing->has_value());
    std::string text;
    encode_state(sample_table(), ClockKind::event, 130, text);
    ASSERT_TRUE(save_state_file(path, text));
    auto loaded = load_state_file(path);
    ASSERT_TRUE(loaded) << loaded.error();
    ASSERT_TRUE(loaded->has_value());
    EXPECT_EQ((*loaded)->identities.size(), 2u);
    // The temporary was renamed into place: nothing else is left beside it.
    std::size_t entries = 0;
    for (auto& entry : std::filesystem::directory_iterator(m_dir)) {
        EXPECT_EQ(entry.path().filename(), "state");
        ++entries;
    }
    EXPECT_EQ(entries, 1u);
}

TEST_F(StatusStateFileDisk, CorruptFileIsAnErrorNamingThePath) {
    std::string path = m_dir + "/state";
    std::ofstream(path) << "{\"evstatus_state\":1,\"clock\":\"event\",\"time\":1,\"count\":3}\n";
    auto loaded = load_state_file(path);
    ASSERT_FALSE(loaded);
    EXPECT_EQ(loaded.error(),
              "state file " + path + " is corrupt: holds 0 identities, the header says 3 (the file is truncated)");
}

TEST_F(StatusStateFileDisk, UnreadableFileIsAnError) {
    std::string path = m_dir + "/dir";
    ASSERT_EQ(mkdir(path.c_str(), 0755), 0);
    auto loaded = load_state_file(path);
    ASSERT_FALSE(loaded);
    EXPECT_EQ(loaded.error(), "state file " + path + ": Is a directory");
}

TEST_F(StatusStateFileDisk, SaveIntoMissingDirectoryFails) {
    auto saved = save_state_file(m_dir + "/no/such/state", "x\n");
    ASSERT_FALSE(saved);
    EXPECT_EQ(saved.error(), "cannot save state to " + m_dir + "/no/such/state: cannot open the directory " + m_dir +
                                 "/no/such: No such file or directory");
}

TEST_F(StatusStateFileDisk, ANewStateFileIs0600AndAnOldOneKeepsItsMode) {
    std::string path = m_dir + "/state";
    mode_t old_mask = umask(022);
    ASSERT_TRUE(save_state_file(path, "x\n"));
    struct stat st {};
    ASSERT_EQ(stat(path.c_str(), &st), 0);
    EXPECT_EQ(st.st_mode & 0777, 0600u);
    ASSERT_EQ(chmod(path.c_str(), 0640), 0);
    ASSERT_TRUE(save_state_file(path, "y\n"));
    ASSERT_EQ(stat(path.c_str(), &st), 0);
    EXPECT_EQ(st.st_mode & 0777, 0640u);
    umask(old_mask);
}

TEST_F(StatusStateFileDisk, ASymlinkIsNeitherLoadedNorSavedThrough) {
    std::string victim = m_dir + "/victim";
    std::ofstream(victim) << "precious\n";
    std::string path = m_dir + "/state";
    ASSERT_EQ(symlink(victim.c_str(), path.c_str()), 0);
    auto loaded = load_state_file(path);
    ASSERT_FALSE(loaded);
    EXPECT_EQ(loaded.error(), "state file " + path + " is a symbolic link (give the path of the file itself)");
    auto saved = save_state_file(path, "x\n");
    ASSERT_FALSE(saved);
    EXPECT_EQ(saved.error(),
              "cannot save state to " + path + ": is a symbolic link; not replaced (give the path of the file itself)");
    std::ifstream in(victim);
    std::string line;
    std::getline(in, line);
    EXPECT_EQ(line, "precious");
}

TEST_F(StatusStateFileDisk, AFifoIsRefusedWithoutWaitingForAWriter) {
    std::string path = m_dir + "/fifo";
    ASSERT_EQ(mkfifo(path.c_str(), 0600), 0);
    auto loaded = load_state_file(path);
    ASSERT_FALSE(loaded);
    EXPECT_EQ(loaded.error(), "state file " + path + " is not a regular file");
}

TEST_F(StatusStateFileDisk, TemporariesOfKilledSavesAreCleared) {
    std::string path = m_dir + "/state";
    pid_t child = fork();
    ASSERT_GE(child, 0);
    if (child == 0) {
        _exit(0);
    }
    ASSERT_EQ(waitpid(child, nullptr, 0), child);
    std::string stale = m_dir + "/.state.tmp." + std::to_string(child) + ".0123456789ab";
    std::ofstream(stale) << "partial";
    ASSERT_TRUE(save_state_file(path, "x\n"));
    EXPECT_NE(access(stale.c_str(), F_OK), 0);
    EXPECT_EQ(access(path.c_str(), F_OK), 0);
}

}  // namespace
}  // namespace ev::status
