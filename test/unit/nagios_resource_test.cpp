// Tests for lib/nagios/resource.cpp: the resource file and $USERn$ macros.
#include "nagios/resource.h"

#include <gtest/gtest.h>

namespace ev::nagios {
namespace {

TEST(NagiosResource, UserMacrosAsNagiosReadsThem) {
    std::vector<std::string> problems;
    Resources r = parse_resources(
        "# Sets $USER1$ to be the path to the plugins\n"
        "$USER1$=/usr/lib/nagios/plugins\n"
        "\n"
        "  $USER2$ = \"pass word\"  \r\n"
        "$USER256$='x'\n"
        "$USER1$=/opt/plugins\n",
        "resource.cfg", problems);
    EXPECT_TRUE(problems.empty());
    EXPECT_EQ(r.file, "resource.cfg");
    EXPECT_EQ(r.user, (std::map<int, std::string>{{1, "/opt/plugins"}, {2, "pass word"}, {256, "x"}}));
}

TEST(NagiosResource, EveryBadLineIsAProblemWithItsLine) {
    std::vector<std::string> problems;
    Resources r = parse_resources("$USER1$=/a\nnonsense\n$USER257$=x\n$USER01$=x\n$HOSTNAME$=x\n$USER3$=\n$USER4$=ok\n",
                                  "r.cfg", problems);
    EXPECT_EQ(problems, (std::vector<std::string>{
                            "r.cfg:2: expected $USERn$=VALUE",
                            "r.cfg:3: '$USER257$' is not a $USERn$ macro (n from 1 to 256)",
                            "r.cfg:4: '$USER01$' is not a $USERn$ macro (n from 1 to 256)",
                            "r.cfg:5: '$HOSTNAME$' is not a $USERn$ macro (n from 1 to 256)",
                            "r.cfg:6: $USER3$ has no value",
                        }));
    EXPECT_EQ(r.user, (std::map<int, std::string>{{1, "/a"}, {4, "ok"}}));
}

TEST(NagiosResource, MacrosExpandInsideWordsNeverSplitThem) {
    Resources r;
    r.file = "r.cfg";
    r.user = {{1, "/usr/lib/nagios/plugins"}, {2, "a b"}, {12, "$USER1$"}};
    CheckDef check;
    check.name = "c";
    check.argv = {"$USER1$/check_x", "-p", "$USER2$", "x$USER12$y", "$HOME", "$USER", "$$", "a$USER1"};
    ASSERT_TRUE(expand_user_macros(check, r).ok());
    // A value is never expanded again, and other '$' words stay as written.
    EXPECT_EQ(check.argv, (std::vector<std::string>{"/usr/lib/nagios/plugins/check_x", "-p", "a b", "x$USER1$y",
                                                    "$HOME", "$USER", "$$", "a$USER1"}));
}

TEST(NagiosResource, AnUndefinedMacroIsAnError) {
    CheckDef check;
    check.name = "disk";
    check.argv = {"$USER3$/check_disk"};
    EXPECT_EQ(expand_user_macros(check, Resources{}).error(),
              "check 'disk': $USER3$ is not defined (no --resource file given)");
    Resources r;
    r.file = "r.cfg";
    EXPECT_EQ(expand_user_macros(check, r).error(), "check 'disk': $USER3$ is not defined (not in r.cfg)");
}

}  // namespace
}  // namespace ev::nagios
