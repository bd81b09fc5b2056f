// Runs the data-driven expression cases in test/fixtures/expr_cases.txt.
//
// Format: blocks separated by blank lines; lines starting with '#' are comments.
//   expr:   the expression (required)
//   input:  the event as one JSON line (default {})
//   result: the canonical JSON of eval_json, or
//   error:  the first line of the compile error, or
//   fails:  the type error the evaluation meets (it compiles).
#include <gtest/gtest.h>
#include <simdjson.h>

#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "core/clock.h"
#include "core/fields.h"
#include "expr/expr.h"

namespace {

struct Case {
    int line = 0;
    std::string expr;
    std::string input = "{}";
    std::string result;
    std::string error;
    std::string fails;
    bool has_result = false;
    bool has_error = false;
    bool has_fails = false;
};

const char* const k_case_file = "test/fixtures/expr_cases.txt";

std::vector<Case> load_cases(std::string& problem) {
    std::ifstream in(k_case_file);
    if (!in) {
        problem = std::string("cannot open ") + k_case_file + " (run the tests from the repository root)";
        return {};
    }
    std::vector<Case> cases;
    Case current;
    bool open = false;
    std::string line;
    int number = 0;
    auto finish = [&] {
        if (open) {
            cases.push_back(current);
        }
        current = Case{};
        open = false;
    };
    while (std::getline(in, line)) {
        ++number;
        if (line.empty()) {
            finish();
            continue;
        }
        if (line[0] == '#') {
            continue;
        }
        auto colon = line.find(':');
        std::string key = colon == std::string::npos ? line : line.substr(0, colon);
        std::string value = colon == std::string::npos ? "" : line.substr(colon + 1);
        if (!value.empty() && value[0] == ' ') {
            value.erase(0, 1);
        }
        if (!open) {
            current.line = number;
            open = true;
        }
        if (key == "expr") {
            current.expr = value;
        } else if (key == "input") {
            current.input = value;
        } else if (key == "result") {
            current.result = value;
            current.has_result = true;
        } else if (key == "error") {
            current.error = value;
            current.has_error = true;
        } else if (key == "fails") {
            current.fails = value;
            current.has_fails = true;
        } else {
            problem = std::string(k_case_file) + ":" + std::to_string(number) + ": unknown key '" + key + "'";
            return {};
        }
    }
    finish();
    return cases;
}

TEST(ExprCases, AllCasesPass) {
    std::string problem;
    std::vector<Case> cases = load_cases(problem);
    ASSERT_TRUE(problem.empty()) << problem;
    ASSERT_GE(cases.size(), 170u);
    // now() in the cases reads this fixed time.
    ev::ManualClock clock(1700000000);
    simdjson::dom::parser parser;
    int failures = 0;
    for (const Case& c : cases) {
        std::string where = std::string(k_case_file) + ":" + std::to_string(c.line);
        if (int(c.has_result) + int(c.has_error) + int(c.has_fails) != 1) {
            ADD_FAILURE() << where << ": a case needs exactly one of result:, error: or fails:";
            ++failures;
            continue;
        }
        auto program = ev::expr::Program::compile(c.expr, clock);
        if (c.has_error) {
            if (program) {
                ADD_FAILURE() << where << ": expected error '" << c.error << "' but " << c.expr << " compiled";
                ++failures;
                continue;
            }
            std::string first = program.error().substr(0, program.error().find('\n'));
            if (first != c.error) {
                ADD_FAILURE() << where << ": for " << c.expr << "\n  expected error: " << c.error
                              << "\n  actual error:   " << first;
                ++failures;
            }
            continue;
        }
        if (!program) {
            ADD_FAILURE() << where << ": " << c.expr << " failed to compile:\n" << program.error();
            ++failures;
            continue;
        }
        simdjson::dom::element event;
        if (parser.parse(c.input).get(event) != simdjson::SUCCESS) {
            ADD_FAILURE() << where << ": the input is not valid JSON";
            ++failures;
            continue;
        }
        std::string out;
        bool evaluated = program->eval_json(event, out);
        if (c.has_fails) {
            // A type error: nothing is written, test() is false, and the
            // error says what and where, with and without read fields.
            std::string error(program->error().value_or("no error"));
            if (evaluated || !out.empty() || error != c.fails) {
                ADD_FAILURE() << where << ": for " << c.expr << "\n  expected type error: " << c.fails
                              << "\n  actual: " << (evaluated ? out : error);
                ++failures;
                continue;
            }
            ev::ReadFields fields;
            if (program->test(event) || (event.is_object() && fields.index(event.get_object().value_unsafe()).empty() &&
                                         program->test(event, fields))) {
                ADD_FAILURE() << where << ": test() is true after a type error";
                ++failures;
            }
            continue;
        }
        if (!evaluated || program->error()) {
            ADD_FAILURE() << where << ": for " << c.expr << " unexpected " << program->error().value_or("failure");
            ++failures;
            continue;
        }
        if (out != c.result) {
            ADD_FAILURE() << where << ": for " << c.expr << "\n  expected: " << c.result << "\n  actual:   " << out;
            ++failures;
            continue;
        }
        bool truthy = c.result != "false" && c.result != "null";
        if (program->test(event) != truthy) {
            ADD_FAILURE() << where << ": test() disagrees with the result " << c.result;
            ++failures;
        }
        // As evfilter runs it: paths that start with a read field begin at
        // Input's ReadFields; the answer must be the same.
        ev::ReadFields fields;
        if (event.is_object() && fields.index(event.get_object().value_unsafe()).empty() &&
            program->test(event, fields) != truthy) {
            ADD_FAILURE() << where << ": test() with read fields disagrees with the result " << c.result;
            ++failures;
        }
    }
    EXPECT_EQ(failures, 0) << failures << " of " << cases.size() << " cases failed";
}

}  // namespace

namespace {

TEST(ExprProgram, PathsStartAtTheReadFieldsGiven) {
    // Paths whose first key is a read field take it from ReadFields (indexed
    // here from another event, to show which is read); others walk the event.
    simdjson::dom::parser p1;
    simdjson::dom::parser p2;
    simdjson::dom::element event = p1.parse(std::string(R"({"subject":"a","tags":{"role":"db"},"x":1})"));
    simdjson::dom::element other = p2.parse(std::string(R"({"subject":"b","tags":{"role":"web"},"x":2})"));
    ev::ReadFields fields;
    ASSERT_TRUE(fields.index(other.get_object().value_unsafe()).empty());
    auto check = [&](const char* expr, bool plain, bool with_fields) {
        auto program = ev::expr::Program::compile(expr);
        ASSERT_TRUE(program) << program.error();
        EXPECT_EQ(program->test(event), plain) << expr;
        EXPECT_EQ(program->test(event, fields), with_fields) << expr;
    };
    check("subject == \"a\"", true, false);
    check("subject == \"b\"", false, true);
    check("tags.role == \"web\"", false, true);
    check("exists(tags.role) && !exists(name)", true, true);
    check("x == 1", true, true);
}

TEST(ExprProgram, MovesAndReportsFields) {
    auto compiled = ev::expr::Program::compile("tags.role == \"db\" && severity >= 1 || tags.role == \"web\"");
    ASSERT_TRUE(compiled.ok());
    ev::expr::Program program = std::move(compiled).value();
    ev::expr::Program moved = std::move(program);
    ASSERT_EQ(moved.fields().size(), 2u);
    EXPECT_EQ(moved.fields()[0].to_string(), "tags.role");
    EXPECT_EQ(moved.fields()[1].to_string(), "severity");
    simdjson::dom::parser parser;
    EXPECT_TRUE(moved.test(parser.parse(std::string_view(R"({"tags":{"role":"web"}})")).value()));
    EXPECT_FALSE(moved.test(parser.parse(std::string_view(R"({"tags":{"role":"db"},"severity":0})")).value()));
}

TEST(ExprProgram, EvalBuildsOwnedJson) {
    ev::ManualClock clock(100);
    auto program = ev::expr::Program::compile("[subject, now() / 8, tags, metric * 2]", clock);
    ASSERT_TRUE(program.ok());
    simdjson::dom::parser parser;
    ev::Json value =
        program->eval(parser.parse(std::string_view(R"({"subject":"h","tags":{"a":"b"},"metric":2})")).value());
    ASSERT_TRUE(value.is_array());
    ASSERT_EQ(value.items().size(), 4u);
    EXPECT_EQ(value.items()[0].as_string(), "h");
    EXPECT_EQ(value.items()[1].as_number(), 12.5);
    EXPECT_EQ(value.items()[2].find("a")->as_string(), "b");
    EXPECT_EQ(value.items()[3].kind(), ev::Json::Kind::integer);
    EXPECT_EQ(ev::to_canonical(value), R"(["h",12.5,{"a":"b"},4])");
}

TEST(ExprProgram, ErrorIsThreeLines) {
    auto program = ev::expr::Program::compile("subject =~ /(x/");
    ASSERT_FALSE(program.ok());
    EXPECT_EQ(program.error(), "invalid regex at offset 11: missing ): (x\n  subject =~ /(x/\n             ^");
}

}  // namespace

namespace {

TEST(ExprProgram, ItemIsBoundToTheElementGivenAndShadowsTheField) {
    simdjson::dom::parser parser;
    simdjson::dom::element event = parser.parse(std::string(R"({"item":"top","list":[{"n":1},{"n":2}]})"));
    auto program = ev::expr::Program::compile("item.n * 10");
    ASSERT_TRUE(program) << program.error();
    std::string out;
    program->eval_json(event, out);
    EXPECT_EQ(out, "null");  // unbound: the top-level field, a string with no n
    simdjson::dom::array list = event["list"].get_array().value();
    for (simdjson::dom::element element : list) {
        program->bind_item(&element);
        out.clear();
        EXPECT_TRUE(program->eval_json(event, out));
        EXPECT_EQ(out, element["n"].get_int64().value() == 1 ? "10" : "20");
    }
    program->bind_item(nullptr);
    auto whole = ev::expr::Program::compile("item");
    ASSERT_TRUE(whole);
    out.clear();
    whole->eval_json(event, out);
    EXPECT_EQ(out, R"("top")");
}

TEST(ExprProgram, TypeErrorsAreReportedPerEvaluation) {
    simdjson::dom::parser parser;
    auto program = ev::expr::Program::compile("\"ci/\" + name");
    ASSERT_TRUE(program) << program.error();
    simdjson::dom::element missing = parser.parse(std::string(R"({})"));
    std::string out = "kept";
    EXPECT_FALSE(program->eval_json(missing, out));
    EXPECT_EQ(out, "kept");
    ASSERT_TRUE(program->error());
    EXPECT_EQ(*program->error(), "type error at offset 6: string + null (+ takes two numbers or two strings)");
    EXPECT_FALSE(program->test(missing));
    EXPECT_TRUE(program->eval(missing).is_null());
    // The next evaluation starts clean.
    simdjson::dom::parser other;
    simdjson::dom::element named = other.parse(std::string(R"({"name":"x\ny"})"));
    out.clear();
    EXPECT_TRUE(program->eval_raw(named, out));
    EXPECT_EQ(out, "ci/x\ny");
    EXPECT_FALSE(program->error());
    auto number = ev::expr::Program::compile("[name]");
    ASSERT_TRUE(number);
    out.clear();
    EXPECT_TRUE(number->eval_raw(named, out));
    EXPECT_EQ(out, R"(["x\ny"])");
}

}  // namespace
