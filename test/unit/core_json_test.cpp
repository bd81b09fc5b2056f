#include "core/json.h"

#include <gtest/gtest.h>

#include "core/path.h"
#include "core/path_edit.h"

namespace {

std::string canonical_of(const std::string& text) {
    auto parsed = ev::parse_json(text);
    EXPECT_TRUE(parsed.ok()) << parsed.error();
    return ev::to_canonical(*parsed);
}

std::string canonical_dom(const std::string& text) {
    simdjson::dom::parser parser;
    simdjson::padded_string padded(text);
    simdjson::dom::element root = parser.parse(padded).value();
    std::string out;
    ev::write_canonical(root, out);
    return out;
}

TEST(Json, CanonicalOrdersEventKeysBySchemaThenBytes) {
    std::string in = R"({"zeta":1,"data":{"b":1,"a":2},"message":"m","id":"X","alpha":true,"subject":"s","time":1.5})";
    std::string want =
        R"({"id":"X","time":1.5,"subject":"s","message":"m","data":{"a":2,"b":1},"alpha":true,"zeta":1})";
    EXPECT_EQ(canonical_of(in), want);
    EXPECT_EQ(canonical_dom(in), want);
}

TEST(Json, ShortestRoundTripNumbers) {
    EXPECT_EQ(canonical_of(R"({"a":1.0,"b":0.1,"c":1e21,"d":-0.0,"e":123456789012,"f":2.50})"),
              R"({"a":1,"b":0.1,"c":1e+21,"d":0,"e":123456789012,"f":2.5})");
    std::string out;
    ev::write_number(1.0 / 3.0, out);
    EXPECT_EQ(std::stod(out), 1.0 / 3.0);
}

TEST(Json, IntegersBeyondInt64StayExact) {
    // Found by fuzz_reader: 2^64-range integers used to turn into doubles.
    std::string in = R"({"m":-9223372036854775808,"n":12345678901234567890})";
    EXPECT_EQ(canonical_of(in), in);
    EXPECT_EQ(canonical_dom(in), in);
}

TEST(Json, EscapesMinimally) {
    std::string out;
    ev::json_escape_to("a\"b\\c\n\x01 é", out);
    EXPECT_EQ(out, "\"a\\\"b\\\\c\\n\\u0001 é\"");
}

TEST(Json, UnescapeHandlesSurrogatesAndRejectsBadEscapes) {
    EXPECT_EQ(ev::json_unescape(R"("\ud83d\ude00 \u00e9")").value(), "\xF0\x9F\x98\x80 \xC3\xA9");
    EXPECT_FALSE(ev::json_unescape(R"("\q")").ok());
    EXPECT_FALSE(ev::json_unescape(R"("\ud83d")").ok());
}

TEST(Json, EqualDataEncodesToEqualBytes) {
    EXPECT_EQ(canonical_of(R"({"b":{"y":1,"x":[1,2]},"a":null})"),
              canonical_of(R"({"a":null,"b":{"x":[1.0,2],"y":1}})"));
}

TEST(Json, SetAndEraseByPath) {
    ev::Json event = ev::parse_json(R"({"tags":{"a":"1"},"list":[1,2]})").value();
    EXPECT_TRUE(ev::set_at(event, ev::Path::parse("tags.env").value(), ev::Json("prod")));
    EXPECT_TRUE(ev::set_at(event, ev::Path::parse("new.deep.key").value(), ev::Json(1)));
    EXPECT_TRUE(ev::set_at(event, ev::Path::parse("list[1]").value(), ev::Json(5)));
    EXPECT_FALSE(ev::set_at(event, ev::Path::parse("list[9]").value(), ev::Json(5)));
    EXPECT_TRUE(ev::erase_at(event, ev::Path::parse("tags.a").value()));
    EXPECT_FALSE(ev::erase_at(event, ev::Path::parse("tags.a").value()));
    EXPECT_EQ(ev::to_canonical(event), R"({"tags":{"env":"prod"},"list":[1,5],"new":{"deep":{"key":1}}})");
}

}  // namespace
