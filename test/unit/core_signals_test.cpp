#include "core/signals.h"

#include <signal.h>

#include <gtest/gtest.h>

#include "core/clock.h"

namespace ev {
namespace {

// A full-screen tool (evstatus top) redraws on SIGWINCH from its loop: the
// signal wakes a wait at once, is taken once, and stops nothing.
TEST(Signals, ResizeWakesAWaitOnceAndStopsNothing) {
    signals::install();
    EXPECT_FALSE(signals::take_resize());
    double start = steady_now();
    raise(SIGWINCH);
    EXPECT_FALSE(signals::sleep_ms(5000));  // woken early
    EXPECT_LT(steady_now() - start, 2.0);
    EXPECT_TRUE(signals::take_resize());
    EXPECT_FALSE(signals::take_resize());
    EXPECT_FALSE(signals::stop_requested());
    raise(SIGWINCH);
    signals::reset();
    EXPECT_FALSE(signals::take_resize());
}

}  // namespace
}  // namespace ev
