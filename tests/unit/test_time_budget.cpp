// A router's time budget (issue 13): the connect budget a job's timeout gives, what a deadline
// leaves, capping, the room a retry needs, and how a spent budget is worded.
#include <gtest/gtest.h>

#include "daemon/ssh/time_budget.hpp"

using namespace fanout::daemon;
using namespace std::chrono_literals;
using clock_type = std::chrono::steady_clock;

TEST(time_budget, the_connect_budget_follows_the_timeout_between_5_s_and_one_attempt_plus_5_s) {
    EXPECT_EQ(connect_budget_for(2s, 10s), 5s) << "never under 5 s";
    EXPECT_EQ(connect_budget_for(7s, 10s), 7s) << "as long as one command may take";
    EXPECT_EQ(connect_budget_for(60s, 10s), 15s) << "one whole attempt + 5 s, not 3 attempts";
    EXPECT_EQ(connect_budget_for(60s, 30s), 35s) << "a longer --connect-timeout is kept";
    EXPECT_EQ(connect_budget_for(60s, 100ms), 5100ms);
    EXPECT_EQ(connect_budget_for(500ms, 100ms), 5s);
}

TEST(time_budget, resolve_takes_the_deadline_when_there_is_one_else_the_timeout_budget) {
    const auto now = clock_type::now();
    router_limits none;
    EXPECT_FALSE(time_budget::resolve(none, 10s, now).bounded());

    router_limits by_timeout;
    by_timeout.timeout = 2s;
    auto from_timeout = time_budget::resolve(by_timeout, 10s, now);
    EXPECT_EQ(from_timeout.from(), time_budget::source::connect_budget);
    EXPECT_EQ(from_timeout.until(), now + 5s);

    router_limits with_deadline = by_timeout;
    with_deadline.deadline = now + 3s;
    with_deadline.deadline_length = 3s;
    auto from_deadline = time_budget::resolve(with_deadline, 10s, now + 1s);
    EXPECT_EQ(from_deadline.from(), time_budget::source::deadline);
    EXPECT_EQ(from_deadline.until(), now + 3s) << "a deadline is absolute: a reconnect gets less";
    EXPECT_EQ(from_deadline.remaining(now + 1s), 2s);
}

TEST(time_budget, remaining_and_cap_never_go_past_the_end) {
    const auto now = clock_type::now();
    time_budget b(time_budget::source::deadline, now + 5s, 5s);
    EXPECT_EQ(b.remaining(now), 5s);
    EXPECT_EQ(b.cap(10s, now), 5s) << "connect timeout = min(connect timeout, remaining)";
    EXPECT_EQ(b.cap(2s, now), 2s);
    EXPECT_EQ(b.cap(10s, now + 4500ms), 500ms);
    EXPECT_EQ(b.remaining(now + 6s), 0ms);
    EXPECT_FALSE(b.expired(now + 4999ms));
    EXPECT_TRUE(b.expired(now + 5s));
    time_budget unbounded;
    EXPECT_EQ(unbounded.cap(10s, now), 10s);
    EXPECT_FALSE(unbounded.expired(clock_type::time_point::max()));
}

TEST(time_budget, a_retry_starts_only_when_the_wait_and_a_useful_attempt_fit) {
    const auto now = clock_type::now();
    time_budget b(time_budget::source::connect_budget, now + 5s, 5s);
    EXPECT_TRUE(b.room_for_attempt(500ms, 10s, now));
    EXPECT_TRUE(b.room_for_attempt(4s, 10s, now)) << "4 s wait + 1 s attempt = 5 s";
    EXPECT_FALSE(b.room_for_attempt(4001ms, 10s, now));
    EXPECT_FALSE(b.room_for_attempt(0ms, 10s, now + 4500ms)) << "0.5 s cannot cover 1 s";
    EXPECT_TRUE(b.room_for_attempt(0ms, 300ms, now + 4500ms)) << "a 0.3 s attempt fits";
    EXPECT_TRUE(time_budget().room_for_attempt(1h, 10s, now));
}

TEST(time_budget, a_spent_budget_names_itself_and_the_phase) {
    const auto now = clock_type::now();
    time_budget deadline(time_budget::source::deadline, now, 5s);
    EXPECT_EQ(deadline.exhausted_message("connect", "timed out after 5000 ms during TCP connect"),
              "deadline of 5 s hit during connect: timed out after 5000 ms during TCP connect");
    time_budget budget(time_budget::source::connect_budget, now, 7500ms);
    EXPECT_EQ(budget.exhausted_message("auth", ""),
              "connect budget of 7.5 s (from the job's timeout) spent during auth");
    EXPECT_EQ(seconds_text(250ms), "0.25 s");
}
