#include "core/fields.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace {

const std::vector<ev::Field> k_all = {ev::Field::id,     ev::Field::time,  ev::Field::type,     ev::Field::subject,
                                      ev::Field::name,   ev::Field::state, ev::Field::severity, ev::Field::ttl,
                                      ev::Field::metric, ev::Field::tags,  ev::Field::message};

// Indexes text (a JSON object) with a fresh parser; the document stays alive
// in parser for get().
std::string_view index(simdjson::dom::parser& parser, const std::string& text, ev::ReadFields& fields) {
    simdjson::dom::element root = parser.parse(text);
    return fields.index(root.get_object().value_unsafe());
}

TEST(ReadFields, FindsEveryReadFieldByItsKey) {
    std::string text = "{";
    for (std::size_t i = 0; i < k_all.size(); ++i) {
        text += (i ? ",\"" : "\"") + std::string(ev::field_key(k_all[i])) + "\":" + std::to_string(i);
    }
    text += "}";
    simdjson::dom::parser parser;
    ev::ReadFields fields;
    EXPECT_EQ(index(parser, text, fields), "");
    for (std::size_t i = 0; i < k_all.size(); ++i) {
        auto value = fields.get(k_all[i]);
        ASSERT_TRUE(value.has_value()) << ev::field_key(k_all[i]);
        EXPECT_EQ(value->get_int64().value(), static_cast<int64_t>(i)) << ev::field_key(k_all[i]);
    }
}

TEST(ReadFields, TellsNearMissKeysFromReadFields) {
    // Keys of the same length and first two bytes as a read field (the look-up
    // bucket), prefixes, extensions, other cases, and keys of 0, 1 and 9+
    // bytes: none of them is a read field, so repeats pass and get() is empty.
    const std::vector<std::string> keys = {"",           "i",
                                           "ie",         "ix",
                                           "tim",        "timf",
                                           "typo",       "subjecu",
                                           "subjects",   "nama",
                                           "stats",      "severitz",
                                           "severity_",  "tta",
                                           "metrix",     "tagz",
                                           "messagf",    "Subject",
                                           "ID",         "time\\u0000",
                                           "message\\n", "severityseverity"};
    for (const std::string& key : keys) {
        std::string text = "{\"" + key + "\":1,\"" + key + "\":2}";
        simdjson::dom::parser parser;
        ev::ReadFields fields;
        EXPECT_EQ(index(parser, text, fields), "") << key;
        for (ev::Field field : k_all) {
            EXPECT_FALSE(fields.get(field).has_value()) << key << " read as " << ev::field_key(field);
        }
    }
}

TEST(ReadFields, ReportsTheFirstRepeatedReadField) {
    for (ev::Field field : k_all) {
        std::string key(ev::field_key(field));
        std::string text = "{\"x\":0,\"" + key + "\":1,\"y\":[1,{\"" + key + "\":2}],\"" + key + "\":3}";
        simdjson::dom::parser parser;
        ev::ReadFields fields;
        EXPECT_EQ(index(parser, text, fields), key);
    }
}

TEST(ReadFields, ForgetsThePreviousEvent) {
    simdjson::dom::parser parser;
    ev::ReadFields fields;
    EXPECT_EQ(index(parser, "{\"subject\":\"a\",\"name\":\"b\"}", fields), "");
    EXPECT_EQ(index(parser, "{\"name\":\"c\"}", fields), "");
    EXPECT_FALSE(fields.get(ev::Field::subject).has_value());
    EXPECT_EQ(fields.get(ev::Field::name)->get_string().value(), "c");
}

}  // namespace
