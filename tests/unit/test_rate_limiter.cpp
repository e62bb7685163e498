// The connection rate limiter (--connect-rate, --bastion-connect-rate): a burst goes at once,
// then one slot per interval, in arrival order; rate 0 never waits; a cancel stops a wait.
#include <gtest/gtest.h>

#include "daemon/jump/rate_limiter.hpp"

using namespace std::chrono_literals;
using fanout::daemon::jump::rate_limiter;

TEST(rate_limiter, a_burst_goes_at_once_then_one_per_interval) {
    rate_limiter limit(10, 3);  // 100 ms apart, 3 at once
    const auto t0 = rate_limiter::clock::now();
    EXPECT_EQ(limit.reserve(t0), t0);
    EXPECT_EQ(limit.reserve(t0), t0);
    EXPECT_EQ(limit.reserve(t0), t0);
    EXPECT_EQ(limit.reserve(t0), t0 + 100ms);
    EXPECT_EQ(limit.reserve(t0), t0 + 200ms);
    // After a quiet second the burst is available again.
    const auto t1 = t0 + 2s;
    EXPECT_EQ(limit.reserve(t1), t1);
    EXPECT_EQ(limit.reserve(t1), t1);
}

TEST(rate_limiter, never_more_than_rate_times_t_plus_burst) {
    rate_limiter limit(100, 10);
    const auto t0 = rate_limiter::clock::now();
    int within_one_second = 0;
    for (int i = 0; i < 1000; ++i)
        if (limit.reserve(t0) < t0 + 1s) ++within_one_second;
    EXPECT_LE(within_one_second, 110);
    EXPECT_GE(within_one_second, 100);
}

TEST(rate_limiter, rate_zero_never_waits) {
    rate_limiter limit(0);
    std::atomic<bool> cancelled{false};
    for (int i = 0; i < 100000; ++i) ASSERT_TRUE(limit.take(cancelled));
}

TEST(rate_limiter, a_cancel_ends_the_wait) {
    rate_limiter limit(0.001, 1);  // one take per 1000 s
    std::atomic<bool> cancelled{false};
    EXPECT_TRUE(limit.take(cancelled));
    cancelled = true;
    EXPECT_FALSE(limit.take(cancelled));
}

TEST(rate_limiter, slots_given_back_by_cancelled_takes_are_free_again) {
    fanout::daemon::jump::rate_limiter limit(10.0, 1.0);  // one per 100 ms
    const auto t0 = fanout::daemon::jump::rate_limiter::clock::now();
    for (int i = 0; i < 100; ++i) limit.reserve(t0);    // a big job books 10 s ahead
    for (int i = 0; i < 100; ++i) limit.give_back(t0);  // ... and is cancelled
    EXPECT_EQ(limit.reserve(t0), t0) << "the next job must not wait for the cancelled schedule";
}
