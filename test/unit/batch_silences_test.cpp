// Tests for lib/batch/silences.cpp: the silence format, the file edits
// under a lock, and the set members are tested against.
#include <gtest/gtest.h>

#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <fstream>
#include <string>
#include <thread>
#include <vector>

#include "batch/silences.h"

namespace ev::batch {
namespace {

simdjson::dom::element parse(simdjson::dom::parser& parser, const std::string& text) {
    return parser.parse(text).value();
}

TEST(BatchSilences, ParsesAnEventWithDefaults) {
    simdjson::dom::parser parser;
    std::string line = R"({"type":"silence","match":"subject == \"web1\"","ends":"2026-12-02T08:00:00Z"})";
    SilenceDefaults d;
    d.starts = 1796196600;
    d.require_id = false;
    d.line = line;
    auto s = parse_silence(parse(parser, line), d);
    ASSERT_TRUE(s) << s.error();
    EXPECT_EQ(s->starts, 1796196600);
    EXPECT_EQ(s->ends, 1796198400);
    EXPECT_EQ(s->id.size(), 26u);  // derived from the line: the same line, the same id
    auto again = parse_silence(parse(parser, line), d);
    EXPECT_EQ(again->id, s->id);
    EXPECT_TRUE(s->active(1796196600));
    EXPECT_FALSE(s->active(1796198400));  // the end is not in it
}

TEST(BatchSilences, RejectsWhatIsWrongAndSaysWhich) {
    simdjson::dom::parser parser;
    SilenceDefaults d;
    for (auto [text, why] : std::vector<std::pair<std::string, std::string>>{
             {R"({"id":"a","ends":10})", "match: an expression is required"},
             {R"({"id":"a","match":"x ==","ends":10})", "match: syntax error"},
             {R"({"id":"a","match":"true"})", "ends: required"},
             {R"({"id":"a","match":"true","ends":"soon"})", "ends: 'soon' is not a time"},
             {R"({"id":"a","match":"true","ends":true})", "ends: must be epoch seconds or an RFC 3339 string"},
             {R"({"id":"a","match":"true","starts":20,"ends":10})", "ends: before starts"},
             {R"({"id":7,"match":"true","ends":10})", "id: must be a string"},
             {R"({"match":"true","ends":10})", "id: required"},
             {R"([1])", "a silence must be a JSON object"},
         }) {
        auto s = parse_silence(parse(parser, text), d);
        ASSERT_FALSE(s) << text;
        EXPECT_NE(s.error().find(why), std::string::npos) << text << ": " << s.error();
    }
}

TEST(BatchSilences, FileLinesRoundTrip) {
    Silence s{"01ABC", "tags.dc == \"ams\"", 1796196600, 1796200200.5, "switch swap", "alice"};
    std::string line = silence_line(s);
    EXPECT_EQ(
        line,
        R"({"id":"01ABC","type":"silence","author":"alice","comment":"switch swap","ends":"2026-12-02T08:30:00.500Z","match":"tags.dc == \"ams\"","starts":"2026-12-02T07:30:00Z"})");
    auto parsed = parse_silences("# a comment\n\n" + line + "\n", "f");
    ASSERT_TRUE(parsed) << parsed.error();
    ASSERT_EQ(parsed->size(), 1u);
    EXPECT_EQ((*parsed)[0].ends, s.ends);
    EXPECT_EQ((*parsed)[0].comment, s.comment);
}

TEST(BatchSilences, FileErrorsNameTheLine) {
    auto bad = parse_silences("\n{\"id\":\"a\",\"match\":\"true\",\"ends\":1}\n{oops\n", "s.ndjson");
    ASSERT_FALSE(bad);
    EXPECT_EQ(bad.error().rfind("s.ndjson:3: not JSON", 0), 0u) << bad.error();
    auto twice = parse_silences(
        "{\"id\":\"a\",\"match\":\"true\",\"ends\":1}\n{\"id\":\"a\",\"match\":\"true\",\"ends\":2}\n", "s.ndjson");
    ASSERT_FALSE(twice);
    EXPECT_EQ(twice.error(), "s.ndjson:2: id: a is given twice");
}

TEST(BatchSilences, PrunesADayAfterTheEnd) {
    std::vector<Silence> v{{"old", "true", 0, 1000, "", ""}, {"recent", "true", 0, 2000, "", ""}};
    prune_silences(v, 1000 + 86400 + 1);
    ASSERT_EQ(v.size(), 1u);
    EXPECT_EQ(v[0].id, "recent");
}

class SilenceFile : public ::testing::Test {
protected:
    void SetUp() override {
        char tmpl[] = "/tmp/evkit-silences-XXXXXX";
        m_dir = mkdtemp(tmpl);
        m_path = m_dir + "/silences";
    }
    void TearDown() override { std::system(("rm -rf " + m_dir).c_str()); }
    std::string m_dir;
    std::string m_path;
};

TEST_F(SilenceFile, AMissingFileHoldsNoSilences) {
    auto v = read_silences(m_path);
    ASSERT_TRUE(v) << v.error();
    EXPECT_TRUE(v->empty());
}

TEST_F(SilenceFile, EditsUnderALockLoseNothing) {
    // Two threads adding 50 silences each: every one of them is in the file.
    auto adder = [this](char who) {
        for (int i = 0; i < 50; ++i) {
            auto r = edit_silences(m_path, 100, [&](std::vector<Silence>& v) -> Result<void> {
                v.push_back(Silence{std::string(1, who) + std::to_string(i), "true", 0, 1000, "c", "a"});
                return {};
            });
            ASSERT_TRUE(r) << r.error();
        }
    };
    std::thread a(adder, 'a');
    std::thread b(adder, 'b');
    a.join();
    b.join();
    auto v = read_silences(m_path);
    ASSERT_TRUE(v) << v.error();
    EXPECT_EQ(v->size(), 100u);
    struct stat st {};
    ASSERT_EQ(::stat(m_path.c_str(), &st), 0);
    EXPECT_EQ(st.st_mode & 0777, 0600u);
    EXPECT_EQ(::access((m_path + ".lock").c_str(), F_OK), 0);
}

TEST_F(SilenceFile, AFailedEditWritesNothing) {
    std::ofstream(m_path) << "{\"id\":\"a\",\"match\":\"true\",\"ends\":5000}\n";
    auto r = edit_silences(m_path, 100, [](std::vector<Silence>& v) -> Result<void> {
        v.clear();
        return make_error("no");
    });
    ASSERT_FALSE(r);
    EXPECT_EQ(read_silences(m_path)->size(), 1u);
    // A bad file is not overwritten either.
    std::ofstream(m_path) << "junk\n";
    r = edit_silences(m_path, 100, [](std::vector<Silence>&) -> Result<void> { return {}; });
    ASSERT_FALSE(r);
    EXPECT_NE(r.error().find(":1: not JSON"), std::string::npos) << r.error();
}

TEST(BatchSilenceSet, MatchesOnlyWhileActive) {
    ManualClock clock;
    SilenceSet set(clock);
    ASSERT_TRUE(set.put(Silence{"s1", "subject == \"web1\"", 100, 200, "", ""}));
    simdjson::dom::parser parser;
    auto web1 = parse(parser, R"({"subject":"web1"})");
    EXPECT_FALSE(set.silenced(web1, 99));
    EXPECT_TRUE(set.silenced(web1, 100));
    EXPECT_TRUE(set.silenced(web1, 199.9));
    EXPECT_FALSE(set.silenced(web1, 200));
    EXPECT_TRUE(set.any_pending(50));
    EXPECT_FALSE(set.any_pending(200));
    simdjson::dom::parser other_parser;
    EXPECT_FALSE(set.silenced(parse(other_parser, R"({"subject":"web2"})"), 150));
    // Sent again with an earlier end: expired.
    ASSERT_TRUE(set.put(Silence{"s1", "subject == \"web1\"", 100, 120, "", ""}));
    EXPECT_EQ(set.size(), 1u);
    EXPECT_FALSE(set.silenced(web1, 150));
    set.prune(120 + 86400 + 1);
    EXPECT_EQ(set.size(), 0u);
}

TEST(BatchSilenceSet, AReloadReplacesOnlyTheFilesSilences) {
    ManualClock clock;
    SilenceSet set(clock);
    ASSERT_TRUE(set.put(Silence{"event", "subject == \"a\"", 0, 1000, "", ""}));
    ASSERT_TRUE(set.replace_file({Silence{"file1", "subject == \"b\"", 0, 1000, "", ""}}));
    EXPECT_EQ(set.size(), 2u);
    ASSERT_TRUE(set.replace_file({}));
    EXPECT_EQ(set.size(), 1u);
    simdjson::dom::parser parser;
    EXPECT_TRUE(set.silenced(parse(parser, R"({"subject":"a"})"), 10));
    EXPECT_FALSE(set.replace_file({Silence{"bad", "((", 0, 1000, "", ""}}));
    EXPECT_EQ(set.size(), 1u);  // kept as it was
}

}  // namespace
}  // namespace ev::batch
