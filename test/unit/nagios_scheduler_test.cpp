#include "nagios/scheduler.h"

#include <gtest/gtest.h>

#include <fcntl.h>
#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <sstream>

#include "core/json.h"
#include "core/self_status.h"
#include "core/signals.h"
#include "core/writer.h"

namespace ev::nagios {
namespace {

// Runs the scheduler on config text for run_for seconds; returns its events.
std::vector<Json> run_for(const std::string& config, double seconds, std::size_t max_concurrent = 8) {
    char conf_path[] = "/tmp/nagios_scheduler_test_XXXXXX";
    int conf_fd = ::mkstemp(conf_path);
    EXPECT_GE(conf_fd, 0);
    EXPECT_EQ(::write(conf_fd, config.data(), config.size()), static_cast<ssize_t>(config.size()));
    ::close(conf_fd);
    char out_path[] = "/tmp/nagios_scheduler_out_XXXXXX";
    int out_fd = ::mkstemp(out_path);
    SchedulerOptions options;
    options.config_path = conf_path;
    options.defaults.subject = "host";
    set_self_subject("host");  // the heartbeat's subject, as --subject sets it in evsrc-nagios run
    options.defaults.splay = false;
    options.heartbeat = 0.2;
    options.kill_grace = 0.1;
    options.max_concurrent = max_concurrent;
    options.run_for = seconds;
    std::string errors;
    Diagnostics diag("evsrc-nagios", [&errors](std::string_view line) { errors.append(line); });
    signals::reset();
    {
        Writer out(out_fd);
        EXPECT_EQ(run_scheduler(options, out, diag), 0) << errors;
    }
    ::close(out_fd);
    std::ifstream in(out_path);
    std::vector<Json> events;
    std::string line;
    while (std::getline(in, line)) {
        auto event = parse_json(line);
        EXPECT_TRUE(event.ok()) << line;
        if (event.ok()) {
            events.push_back(std::move(event).value());
        }
    }
    ::unlink(conf_path);
    ::unlink(out_path);
    return events;
}

std::size_t count(const std::vector<Json>& events, const std::string& name) {
    std::size_t n = 0;
    for (const Json& e : events) {
        n += e.find("name")->as_string() == name;
    }
    return n;
}

TEST(NagiosScheduler, RunsChecksAndWritesItsHeartbeat) {
    auto events = run_for("ok 100ms /usr/lib/nagios/plugins/check_dummy 0 fine\n", 0.55);
    EXPECT_GE(count(events, "ok"), 5u);
    EXPECT_LE(count(events, "ok"), 7u);
    ASSERT_GE(count(events, "evkit.evsrc-nagios.heartbeat"), 3u);  // at 0, 0.2, 0.4 and at exit
    const Json* beat = nullptr;
    for (const Json& e : events) {
        if (e.find("name")->as_string() == "evkit.evsrc-nagios.heartbeat") {
            beat = &e;
        }
    }
    EXPECT_EQ(beat->find("ttl")->as_number(), 0.6);
    EXPECT_EQ(beat->find("subject")->as_string(), "host");
    EXPECT_EQ(beat->find("data")->find("checks")->as_number(), 1);
}

TEST(NagiosScheduler, HungPluginsDoNotHoldBackOthers) {
    std::string config;
    for (int i = 0; i < 6; ++i) {
        config += "hang" + std::to_string(i) + " 10s timeout=2s sleep 30\n";
    }
    config += "quick 100ms /usr/lib/nagios/plugins/check_dummy 0 quick\n";
    auto events = run_for(config, 0.55);
    EXPECT_GE(count(events, "quick"), 5u);
    EXPECT_EQ(count(events, "hang0"), 0u);  // killed at the end, never reported
}

TEST(NagiosScheduler, BadConfigIsAUsageError) {
    char conf_path[] = "/tmp/nagios_scheduler_bad_XXXXXX";
    int fd = ::mkstemp(conf_path);
    std::string text = "x\n";
    EXPECT_EQ(::write(fd, text.data(), text.size()), static_cast<ssize_t>(text.size()));
    ::close(fd);
    SchedulerOptions options;
    options.config_path = conf_path;
    std::string errors;
    Diagnostics diag("evsrc-nagios", [&errors](std::string_view line) { errors.append(line); });
    Writer out(1);
    EXPECT_EQ(run_scheduler(options, out, diag), 2);
    EXPECT_EQ(errors,
              std::string("evsrc-nagios: ") + conf_path + ":1: check 'x': expected an interval and a command\n");
    ::unlink(conf_path);
}

}  // namespace
}  // namespace ev::nagios
