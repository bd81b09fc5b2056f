#include "graphite/template.h"

#include <gtest/gtest.h>

namespace {

using ev::graphite::PathBuilder;
using ev::graphite::PathTemplate;
using ev::graphite::SubjectDots;

struct Rendered {
    std::string path;
    std::string problem;
};

Rendered render(const char* tmpl, const char* event, const char* prefix = "", SubjectDots dots = SubjectDots::replace) {
    auto t = PathTemplate::parse(tmpl);
    EXPECT_TRUE(t.ok()) << t.error();
    simdjson::dom::parser parser;
    simdjson::dom::element root = parser.parse(std::string_view(event)).value();
    Rendered r;
    r.problem = std::string(t->render(root, prefix, dots, r.path));
    return r;
}

TEST(GraphiteTemplate, DefaultReplacesSubjectDots) {
    auto r = render("{subject}.{name}", R"({"subject":"www.example.com","name":"load"})");
    EXPECT_EQ(r.problem, "");
    EXPECT_EQ(r.path, "www_example_com.load");
}

TEST(GraphiteTemplate, ReverseSubject) {
    auto r = render("{subject}.{name}", R"({"subject":"www.example.com","name":"load"})", "", SubjectDots::reverse);
    EXPECT_EQ(r.path, "com.example.www.load");
    r = render("{subject}.{name}", R"({"subject":".a..b.","name":"load"})", "", SubjectDots::reverse);
    EXPECT_EQ(r.path, "b.a.load");
}

TEST(GraphiteTemplate, NameDotsSeparateParts) {
    auto r = render("{subject}.{name}", R"({"subject":"h","name":"disk./var/log"})");
    EXPECT_EQ(r.path, "h.disk._var_log");
}

TEST(GraphiteTemplate, RootFileSystemLabelIsRoot) {
    // check_disk labels the root file system "/": "disk_root./" is
    // disk_root.root, not disk_root._ (other mount points keep their '_').
    auto r = render("{subject}.{name}", R"({"subject":"h","name":"disk_root./"})");
    EXPECT_EQ(r.path, "h.disk_root.root");
    r = render("{subject}.{name}", R"({"subject":"h","name":"free./.x"})");
    EXPECT_EQ(r.path, "h.free.root.x");
    r = render("{subject}.{name}", R"({"subject":"h","name":"free.//"})");
    EXPECT_EQ(r.path, "h.free.__");
    // Only a separated part: a subject "/" is not a label.
    r = render("{subject}.{name}", R"({"subject":"/","name":"n"})");
    EXPECT_EQ(r.path, "_.n");
}

TEST(GraphiteTemplate, TagsAndPrefix) {
    auto r = render("{tags.dc}.{subject}.{name}", R"({"subject":"h","name":"n","tags":{"dc":"eu-1"}})", "servers");
    EXPECT_EQ(r.path, "servers.eu-1.h.n");
    r = render("{subject}.{name}", R"({"subject":"h","name":"n"})", "..a..b..");
    EXPECT_EQ(r.path, "a.b.h.n");
}

TEST(GraphiteTemplate, SanitisesEveryOddCharacterOnce) {
    auto r = render("{subject}.{name}", R"({"subject":"h é","name":"a:b#c-d_e/f g\u0000"})");
    EXPECT_EQ(r.path, "h__.a:b#c-d_e_f_g_");
    // A multi-byte character becomes one '_'.
    r = render("{name}", R"({"name":"日本"})");
    EXPECT_EQ(r.path, "__");
    r = render("{name}", R"({"name":"x€y"})");
    EXPECT_EQ(r.path, "x_y");
}

TEST(GraphiteTemplate, EmptyPartsAndDoubledDotsNeverAppear) {
    auto r = render("..{subject}..{name}..", R"({"subject":"","name":"..a...b.."})");
    EXPECT_EQ(r.path, "a.b");
    r = render("{subject}.{tags.x}.{name}", R"({"subject":"h","name":"n","tags":{"x":""}})");
    EXPECT_EQ(r.path, "h.n");
}

TEST(GraphiteTemplate, LiteralTextJoinsItsNeighbours) {
    auto r = render("app-{subject}.x{name}y", R"({"subject":"a.b","name":"n"})");
    EXPECT_EQ(r.path, "app-a_b.xny");
}

TEST(GraphiteTemplate, NumbersAndBooleansRender) {
    auto r = render("{data.port}.{data.ok}.{data.f}", R"({"data":{"port":8080,"ok":true,"f":0.5}})");
    EXPECT_EQ(r.path, "8080.true.0.5");
}

TEST(GraphiteTemplate, MissingFieldsAreProblems) {
    EXPECT_EQ(render("{subject}.{name}", R"({"name":"n"})").problem, "no field subject for the path");
    EXPECT_EQ(render("{tags.dc}", R"({"tags":{}})").problem, "no field tags.dc for the path");
    EXPECT_EQ(render("{tags}", R"({"tags":{}})").problem, "field tags is not a string or number");
    EXPECT_EQ(render("{subject}", R"({"subject":null})").problem, "field subject is not a string or number");
    EXPECT_EQ(render("{subject}.{name}", R"({"subject":"..","name":"/"})").path,
              "__.root");  // a "/" part is the root file system
    EXPECT_EQ(render("{subject}.{name}", R"({"subject":"","name":"."})").problem, "the path is empty");
}

TEST(GraphiteTemplate, ParseErrorsNameTheOffset) {
    EXPECT_EQ(PathTemplate::parse("{subject").error(), "path template: unclosed '{' at offset 0");
    EXPECT_EQ(PathTemplate::parse("a}").error(), "path template: unexpected '}' at offset 1");
    EXPECT_EQ(PathTemplate::parse("a.{}").error(), "path template: empty field at offset 2");
    EXPECT_EQ(PathTemplate::parse("{a{b}").error(), "path template: '{' inside a field at offset 2");
    EXPECT_EQ(PathTemplate::parse("").error(), "path template is empty");
    EXPECT_FALSE(PathTemplate::parse("{tags.}").ok());
}

TEST(GraphiteTemplate, BuilderSeparates) {
    std::string out;
    PathBuilder b(out);
    b.append("a", true);
    b.separate();
    b.separate();
    b.append("", true);
    b.append("b.c", false);
    EXPECT_EQ(out, "a.b_c");
}

}  // namespace
