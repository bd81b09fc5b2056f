// A state file of four identities in a temporary directory, and stdout of a
// query captured: the fixture of the check, show and forget tests.
#pragma once

#include <fcntl.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>
#include <utility>

#include "core/diag.h"
#include "status/state_file.h"
#include "status/table.h"

namespace ev::status {

class StateFileFixture : public testing::Test {
protected:
    // web1 ok, web2 warning, web3 critical (last seen at 600), db1 unknown,
    // saved on event time 1000.
    void SetUp() override {
        char tmpl[] = "/tmp/evstatus_state_test.XXXXXX";
        ASSERT_NE(mkdtemp(tmpl), nullptr);
        m_dir = tmpl;
        m_state = m_dir + "/state";
        IdentityTable t;
        add(t, "web1", "http", State::ok, 1000);
        add(t, "web2", "http", State::warning, 990);
        add(t, "web3", "http", State::critical, 600);
        add(t, "db1", "disk", State::unknown, 1000);
        save(t);
    }
    void TearDown() override { EXPECT_EQ(std::system(("rm -rf '" + m_dir + "'").c_str()), 0); }

    static void add(IdentityTable& t, const std::string& subject, const std::string& name, State state, double seen) {
        bool inserted = false;
        auto& e = t.get(subject, name, IdentityState{}, inserted);
        e.state.state = state;
        e.state.raw = state;
        e.state.seen = seen;
        e.state.since = seen;
    }
    void save(const IdentityTable& t) {
        std::string text;
        encode_state(t, ClockKind::event, 1000, text);
        ASSERT_TRUE(save_state_file(m_state, text));
    }
    std::string write(const std::string& name, const std::string& text) {
        std::string path = m_dir + "/" + name;
        std::ofstream(path) << text;
        return path;
    }
    static std::string read(const std::string& path) {
        std::ifstream in(path);
        std::stringstream s;
        s << in.rdbuf();
        return s.str();
    }

    // Runs f with stdout captured in a file; returns (code, output).
    template <class F>
    std::pair<int, std::string> capture(F f) {
        std::string path = m_dir + "/out";
        int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
        Diagnostics diag("evstatus", [this](std::string_view t) { m_err += t; });
        int code = f(fd, diag);
        ::close(fd);
        return {code, read(path)};
    }

    std::string m_dir, m_state, m_err;
};

}  // namespace ev::status
