#include "status/config.h"

#include <gtest/gtest.h>

namespace ev::status {
namespace {

TEST(StatusConfig, Defaults) {
    auto s = make_settings(Options{});
    ASSERT_TRUE(s) << s.error();
    EXPECT_EQ(s->clock, ClockKind::wall);
    EXPECT_EQ(s->config.alert_on, AlertOn::all);
    EXPECT_EQ(s->config.initial, State::ok);
    EXPECT_EQ(s->config.confirm, 1u);
    EXPECT_EQ(s->config.default_ttl, 0);
    EXPECT_EQ(s->config.expire_state, State::critical);
    EXPECT_EQ(s->save_interval, 60);
}

TEST(StatusConfig, ErrorsNameTheOption) {
    auto error_of = [](Options o) {
        auto s = make_settings(o);
        return s ? std::string("accepted") : s.error();
    };
    Options o;
    o.alert_on = "some";
    EXPECT_EQ(error_of(o), "--alert-on: expected all or transitions, not 'some'");
    o = {};
    o.initial = "OK";
    EXPECT_EQ(error_of(o), "--initial: unknown state 'OK' (use ok, warning, critical or unknown)");
    o = {};
    o.confirm = 0;
    EXPECT_EQ(error_of(o), "--confirm: expected 1..255, not 0");
    o = {};
    o.ttl = "5 minutes";
    EXPECT_EQ(error_of(o).rfind("--ttl: bad duration", 0), 0u);
    o = {};
    o.flap_low = 40;
    EXPECT_EQ(error_of(o), "--flap-low 40 / --flap-high 30: expected 0 <= low <= high <= 100");
    o = {};
    o.save_interval = "0s";
    EXPECT_EQ(error_of(o), "--save-interval: must be more than 0");
}

}  // namespace
}  // namespace ev::status
