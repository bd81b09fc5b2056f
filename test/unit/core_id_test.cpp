#include "core/id.h"

#include <gtest/gtest.h>

#include <set>
#include <string>

namespace {

// The reference key 00..0f and message 00..len-1 of SipHash's vectors.h.
constexpr uint64_t k_ref0 = 0x0706050403020100ULL;
constexpr uint64_t k_ref1 = 0x0F0E0D0C0B0A0908ULL;

std::string ref_message(std::size_t len) {
    std::string m;
    for (std::size_t i = 0; i < len; ++i) {
        m += static_cast<char>(i);
    }
    return m;
}

std::string hex128(ev::Hash128 h) {
    std::string out;
    for (uint64_t w : {h.first, h.second}) {
        for (int b = 0; b < 8; ++b) {
            out += "0123456789abcdef"[(w >> (8 * b + 4)) & 15];
            out += "0123456789abcdef"[(w >> (8 * b)) & 15];
        }
    }
    return out;
}

TEST(SipHash, MatchesTheReference128BitVectors) {
    // vectors_sip128 of the reference implementation (veorq/SipHash).
    const std::pair<std::size_t, const char*> cases[] = {
        {0, "a3817f04ba25a8e66df67214c7550293"},  {1, "da87c1d86b99af44347659119b22fc45"},
        {7, "a1f1ebbed8dbc153c0b84aa61ff08239"},  {8, "3b62a9ba6258f5610f83e264f31497b4"},
        {15, "5493e99933b0a8117e08ec0f97cfc3d9"}, {16, "6ee2a4ca67b054bbfd3315bf85230577"},
        {63, "5150d1772f50834a503e069a973fbd7c"},
    };
    for (const auto& [len, expected] : cases) {
        ev::SipHash h(k_ref0, k_ref1, true);
        h.update(ref_message(len));
        EXPECT_EQ(hex128(h.finish128()), expected) << "length " << len;
    }
}

TEST(SipHash, MatchesThe64BitVectorsOfThePaper) {
    ev::SipHash empty(k_ref0, k_ref1, false);
    EXPECT_EQ(empty.finish64(), 0x726FDB47DD0E0E31ULL);
    ev::SipHash fifteen(k_ref0, k_ref1, false);
    fifteen.update(ref_message(15));
    EXPECT_EQ(fifteen.finish64(), 0xA129CA6149BE45E5ULL);
}

TEST(SipHash, PiecesGiveTheSameHashAsOneUpdate) {
    std::string m = ref_message(63);
    for (std::size_t cut1 = 0; cut1 <= m.size(); cut1 += 5) {
        for (std::size_t cut2 = cut1; cut2 <= m.size(); cut2 += 3) {
            ev::SipHash h(k_ref0, k_ref1, true);
            h.update(std::string_view(m).substr(0, cut1));
            h.update(std::string_view(m).substr(cut1, cut2 - cut1));
            h.update(std::string_view(m).substr(cut2));
            EXPECT_EQ(hex128(h.finish128()), "5150d1772f50834a503e069a973fbd7c") << cut1 << " " << cut2;
        }
    }
}

ev::Derivation alert_of(std::string_view cause, uint64_t sequence = 0) {
    ev::Derivation d;
    d.cause_id = cause;
    d.time = 1790000000.25;
    d.tool = "evstatus";
    d.what = "transition";
    d.sequence = sequence;
    return d;
}

TEST(DerivedId, IsAPureFunctionOfItsInputs) {
    std::string a = ev::derived_id(alert_of("01J0000000000000000000000A"));
    std::string b = ev::derived_id(alert_of("01J0000000000000000000000A"));
    EXPECT_EQ(a, b);
    EXPECT_EQ(a.size(), 26u);
    // Pinned: ids must stay the same across versions, or a replay read by an
    // upgraded tool would duplicate under new ids.
    EXPECT_EQ(a, "01M3250V7TG9VMDM6DQ9S0P14V");
    EXPECT_EQ(a.find_first_not_of("0123456789ABCDEFGHJKMNPQRSTVWXYZ"), std::string::npos);
}

TEST(DerivedId, TimePartIsTheCauseTimeInMilliseconds) {
    // The same time part IdGenerator writes for the same moment.
    ev::ManualClock clock(1790000000.25);
    ev::IdGenerator ids(clock, 1);
    std::string made = ids.next();
    std::string derived = ev::derived_id(alert_of("x"));
    EXPECT_EQ(derived.substr(0, 10), made.substr(0, 10));
    ev::Derivation later = alert_of("x");
    later.time += 0.001;
    EXPECT_GT(ev::derived_id(later), derived);
    ev::Derivation none = alert_of("x");
    none.time = 0;
    EXPECT_EQ(ev::derived_id(none).substr(0, 10), "0000000000");
    none.time = -5;
    EXPECT_EQ(ev::derived_id(none).substr(0, 10), "0000000000");
}

TEST(DerivedId, EveryInputChangesTheId) {
    std::set<std::string> ids;
    ids.insert(ev::derived_id(alert_of("cause-1")));
    ids.insert(ev::derived_id(alert_of("cause-2")));
    ids.insert(ev::derived_id(alert_of("cause-1", 1)));
    ids.insert(ev::derived_id(alert_of("cause-1", 2)));
    ev::Derivation tool = alert_of("cause-1");
    tool.tool = "evbatch";
    ids.insert(ev::derived_id(tool));
    ev::Derivation what = alert_of("cause-1");
    what.what = "non-ok";
    ids.insert(ev::derived_id(what));
    ev::Derivation time = alert_of("cause-1");
    time.time += 0.0001;  // the same millisecond, another time
    ids.insert(ev::derived_id(time));
    EXPECT_EQ(ids.size(), 7u);
}

TEST(DerivedId, FieldsDoNotRunTogether) {
    ev::Derivation a = alert_of("ab");
    a.tool = "c";
    ev::Derivation b = alert_of("a");
    b.tool = "bc";
    EXPECT_NE(ev::derived_id(a), ev::derived_id(b));
}

TEST(DerivedId, ACauseWithoutIdIsKnownByItsLine) {
    ev::Derivation a = alert_of("");
    a.cause_line = R"({"subject":"h","name":"n","state":"ok"})";
    ev::Derivation b = a;
    EXPECT_EQ(ev::derived_id(a), ev::derived_id(b));
    b.cause_line = R"({"subject":"h","name":"n","state":"critical"})";
    EXPECT_NE(ev::derived_id(a), ev::derived_id(b));
    // An id and a line of the same bytes are different causes.
    ev::Derivation by_id = alert_of(a.cause_line);
    EXPECT_NE(ev::derived_id(a), ev::derived_id(by_id));
    // With an id, the line is not used.
    ev::Derivation with_id = alert_of("cause-1");
    with_id.cause_line = "anything";
    EXPECT_EQ(ev::derived_id(with_id), ev::derived_id(alert_of("cause-1")));
}

TEST(DerivedId, AppendsWithoutTouchingWhatIsThere) {
    std::string out = "{\"id\":\"";
    ev::append_derived_id(alert_of("cause-1"), out);
    EXPECT_EQ(out, "{\"id\":\"" + ev::derived_id(alert_of("cause-1")));
}

TEST(DerivedId, ManyCausesGiveDistinctIds) {
    std::set<std::string> ids;
    for (int i = 0; i < 20000; ++i) {
        ids.insert(ev::derived_id(alert_of("cause-" + std::to_string(i))));
    }
    EXPECT_EQ(ids.size(), 20000u);
}

TEST(Ulid, EncodesTimeThenRest) {
    char out[26];
    ev::encode_ulid(0, 0, 0, out);
    EXPECT_EQ(std::string(out, 26), std::string(26, '0'));
    ev::encode_ulid((uint64_t{1} << 48) - 1, 0xFFFF, ~uint64_t{0}, out);
    EXPECT_EQ(std::string(out, 26), "7ZZZZZZZZZZZZZZZZZZZZZZZZZ");
    ev::encode_ulid(1, 0, 1, out);
    EXPECT_EQ(std::string(out, 26), "00000000010000000000000001");
}

}  // namespace
