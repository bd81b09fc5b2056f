// Round-trip property of the canonical encoder over every fuzz corpus and kept
// crasher: for each input (a whole file, and each of its lines) that parses as
// JSON, encode(parse(x)) is canonical (keys ordered at every level, as
// docs/events.md says) and stable (encoding it again gives the same bytes),
// whichever way it is encoded: from the parsed tape, from an owned Json, or
// as an expression's value (evfilter --set), where a nested object used to
// come out in the event schema's order.
#include <gtest/gtest.h>
#include <simdjson.h>

#include <array>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include "core/json.h"
#include "expr/value.h"

namespace {

namespace dom = simdjson::dom;

// The top-level order of docs/events.md, written out here rather than taken
// from the encoder, so the test does not check the encoder against itself.
constexpr std::array<std::string_view, 18> k_event_order = {
    "id",      "time", "type", "subject", "name", "state",    "severity", "metric", "unit",
    "message", "tags", "ttl",  "source",  "data", "previous", "reason",   "since",  "cause"};

int rank(std::string_view key) {
    for (std::size_t i = 0; i < k_event_order.size(); ++i) {
        if (k_event_order[i] == key) {
            return static_cast<int>(i);
        }
    }
    return static_cast<int>(k_event_order.size());
}

// The corpus inputs: every file, and every line of a file with several.
std::vector<std::string> corpus_inputs() {
    std::vector<std::string> files;
    for (const char* root : {"test/fuzz/corpus", "test/fuzz/regressions"}) {
        std::error_code ignored;
        for (const auto& entry : std::filesystem::recursive_directory_iterator(root, ignored)) {
            if (entry.is_regular_file()) {
                files.push_back(entry.path().string());
            }
        }
    }
    std::vector<std::string> inputs;
    for (const std::string& file : files) {
        std::ifstream in(file, std::ios::binary);
        if (!in) {
            continue;
        }
        std::string data((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
        inputs.push_back(data);
        std::size_t start = 0;
        while (start < data.size()) {
            std::size_t end = data.find('\n', start);
            if (end == std::string::npos) {
                end = data.size();
            }
            if (end > start && !(start == 0 && end == data.size())) {
                inputs.push_back(data.substr(start, end - start));
            }
            start = end + 1;
        }
    }
    return inputs;
}

// Why text is not in canonical key order (top: the event order), or empty.
std::string order_problem(dom::element e, bool top) {
    if (e.is_array()) {
        for (dom::element item : dom::array(e)) {
            if (auto p = order_problem(item, false); !p.empty()) {
                return p;
            }
        }
        return {};
    }
    if (!e.is_object()) {
        return {};
    }
    std::string_view previous;
    bool first = true;
    for (dom::key_value_pair member : dom::object(e)) {
        if (!first) {
            int a = top ? rank(previous) : 0;
            int b = top ? rank(member.key) : 0;
            // Duplicate keys keep their order, so equal keys may follow each other.
            if (a > b || (a == b && previous > member.key)) {
                return "\"" + std::string(member.key) + "\" after \"" + std::string(previous) + "\"";
            }
        }
        first = false;
        previous = member.key;
        if (auto p = order_problem(member.value, false); !p.empty()) {
            return p;
        }
    }
    return {};
}

// Checks that encoded is canonical, stable and holds the data of original;
// top: encoded as a whole event.
void expect_canonical(dom::element original, const std::string& encoded, bool top, const std::string& what) {
    dom::parser parser;
    dom::element again;
    ASSERT_EQ(parser.parse(encoded).get(again), simdjson::SUCCESS) << what << ": not JSON: " << encoded;
    EXPECT_EQ(order_problem(again, top), "") << what << ": " << encoded;
    std::string twice;
    if (top) {
        ev::write_canonical(again, twice);
    } else {
        ev::write_canonical_nested(again, twice);
    }
    EXPECT_EQ(twice, encoded) << what << ": encoding twice changed the bytes";
    EXPECT_TRUE(ev::to_json(again) == ev::to_json(original)) << what << ": the data changed: " << encoded;
}

// Every value nested in e, at any depth.
void nested_values(dom::element e, std::vector<dom::element>& out) {
    if (e.is_array()) {
        for (dom::element item : dom::array(e)) {
            out.push_back(item);
            nested_values(item, out);
        }
    } else if (e.is_object()) {
        for (dom::key_value_pair member : dom::object(e)) {
            out.push_back(member.value);
            nested_values(member.value, out);
        }
    }
}

TEST(JsonRoundTrip, EveryCorpusInputEncodesCanonicallyAndStably) {
    std::vector<std::string> inputs = corpus_inputs();
    ASSERT_GE(inputs.size(), 100u) << "run the tests from the repository root";
    std::size_t json_inputs = 0;
    std::size_t objects = 0;
    std::size_t nested = 0;
    for (std::size_t i = 0; i < inputs.size(); ++i) {
        dom::parser parser;
        dom::element root;
        if (parser.parse(inputs[i]).get(root) != simdjson::SUCCESS) {
            continue;
        }
        ++json_inputs;
        std::string what = "input " + std::to_string(i) + " " + inputs[i].substr(0, 80);
        std::string from_tape;
        ev::write_canonical(root, from_tape);
        std::string from_owned = ev::to_canonical(ev::to_json(root));
        EXPECT_EQ(from_tape, from_owned) << what;
        expect_canonical(root, from_tape, true, what);
        if (root.is_object()) {
            ++objects;
        }
        std::vector<dom::element> values;
        nested_values(root, values);
        for (dom::element v : values) {
            ++nested;
            std::string as_field;
            ev::write_canonical_nested(v, as_field);
            std::string as_expression;
            ev::expr::write_json(ev::expr::Value::of_element(v), as_expression);
            EXPECT_EQ(as_expression, as_field) << what;
            std::string as_owned;
            ev::write_canonical_nested(ev::expr::to_owned_json(ev::expr::Value::of_element(v)), as_owned);
            EXPECT_EQ(as_owned, as_field) << what;
            expect_canonical(v, as_field, false, what);
        }
    }
    // The corpora hold events: the property must have been tried on many.
    EXPECT_GE(json_inputs, 50u);
    EXPECT_GE(objects, 50u);
    EXPECT_GE(nested, 200u);
}

TEST(JsonRoundTrip, NestedObjectsNeverTakeTheEventOrder) {
    // The reported bug: a nested object copied by --set came out with id,
    // subject and severity first.
    dom::parser parser;
    dom::element root = parser.parse(std::string(R"({"labels":{"severity":"c","alertname":"A","id":"x"}})"));
    std::string out;
    ev::expr::write_json(ev::expr::Value::of_element(root["labels"].value()), out);
    EXPECT_EQ(out, R"({"alertname":"A","id":"x","severity":"c"})");
    out.clear();
    ev::write_canonical_nested(ev::to_json(root["labels"].value()), out);
    EXPECT_EQ(out, R"({"alertname":"A","id":"x","severity":"c"})");
}

}  // namespace
