// job_controls: the state machine of a job's execution controls (max_parallel, the stop rules,
// the canary), without a scheduler. The scheduler's side (fairness, the per-router cap, the
// journal): test_scheduler_controls.cpp and test_journal.cpp.
#include <gtest/gtest.h>

#include "daemon/scheduling/job_controls.hpp"

using fanout::daemon::job_controls;
using fanout::daemon::stop_rule;
using fanout::protocol::execution_controls;

namespace {

execution_controls controls(std::optional<std::uint64_t> max_parallel,
                            std::optional<std::uint64_t> stop_after,
                            std::optional<std::uint64_t> percent,
                            std::optional<std::uint64_t> canary) {
    return execution_controls{max_parallel, stop_after, percent, canary};
}

}  // namespace

TEST(job_controls, without_controls_every_router_may_start_and_nothing_stops) {
    job_controls c(execution_controls{}, 5);
    EXPECT_FALSE(c.active());
    for (std::size_t i = 0; i < 5; ++i) EXPECT_TRUE(c.may_start(i, 1000));
    for (std::size_t i = 0; i < 5; ++i) EXPECT_FALSE(c.router_failed(i, "r", true));
    EXPECT_FALSE(c.stopped_by());
}

TEST(job_controls, max_parallel_caps_the_routers_in_flight) {
    job_controls c(controls(3, {}, {}, {}), 10);
    EXPECT_TRUE(c.may_start(0, 0));
    EXPECT_TRUE(c.may_start(5, 2));
    EXPECT_FALSE(c.may_start(5, 3));
    EXPECT_FALSE(c.may_start(9, 4));
}

TEST(job_controls, stop_after_failures_stops_at_the_nth_failed_router) {
    job_controls c(controls({}, 3, {}, {}), 100);
    EXPECT_FALSE(c.router_failed(9, "r10", true));
    EXPECT_FALSE(c.router_failed(9, "r10", true)) << "a second failed command counts once";
    EXPECT_FALSE(c.router_failed(19, "r20", true));
    EXPECT_EQ(c.failed_routers(), 2u);
    EXPECT_TRUE(c.may_start(50, 0));
    auto rule = c.router_failed(29, "r30", true);
    ASSERT_TRUE(rule);
    EXPECT_EQ(*rule, stop_rule::stop_after_failures);
    EXPECT_EQ(c.stopped_by(), stop_rule::stop_after_failures);
    EXPECT_EQ(c.reason(),
              "not started: the job was stopped by its rule stop_after_failures=3 (3 of 100 "
              "routers failed, the last r30)");
    EXPECT_FALSE(c.may_start(50, 0)) << "stopped: nothing starts any more";
    EXPECT_FALSE(c.router_failed(39, "r40", true)) << "the job stops once";
    EXPECT_EQ(c.failed_routers(), 4u) << "later failures are still counted";
}

TEST(job_controls, max_fail_percent_counts_failed_routers_of_the_whole_job) {
    job_controls c(controls({}, {}, 10, {}), 50);  // 10% of 50: the 5th failed router
    for (std::size_t i = 0; i < 4; ++i) EXPECT_FALSE(c.router_failed(i, "x", true));
    for (std::size_t i = 10; i < 40; ++i) EXPECT_FALSE(c.router_succeeded(i));
    EXPECT_FALSE(c.stopped_by());
    EXPECT_EQ(c.router_failed(4, "r5", true), stop_rule::max_fail_percent);
    EXPECT_NE(c.reason().find("max_fail_percent=10 (5 of 50 routers failed"), std::string::npos)
        << c.reason();
    // Rounding: 33% of 10 routers is reached at 4 failures (40%), not at 3 (30%).
    job_controls third(controls({}, {}, 33, {}), 10);
    for (std::size_t i = 0; i < 3; ++i) EXPECT_FALSE(third.router_failed(i, "x", true));
    EXPECT_TRUE(third.router_failed(3, "x", true));
}

TEST(job_controls, a_rule_reached_with_no_router_left_to_start_stops_nothing) {
    job_controls c(controls({}, 1, {}, {}), 3);
    EXPECT_FALSE(c.router_failed(2, "r3", false));
    EXPECT_FALSE(c.stopped_by());
}

TEST(job_controls, the_canary_holds_the_rest_until_every_canary_router_succeeded) {
    job_controls c(controls({}, {}, {}, 2), 6);
    EXPECT_TRUE(c.may_start(0, 0));
    EXPECT_TRUE(c.may_start(1, 1));
    EXPECT_FALSE(c.may_start(2, 0)) << "past the canary: waits";
    EXPECT_EQ(c.canary_routers(), 2u);
    EXPECT_FALSE(c.router_succeeded(1));
    EXPECT_FALSE(c.may_start(2, 0));
    EXPECT_FALSE(c.router_succeeded(1)) << "the same router counts once";
    EXPECT_TRUE(c.router_succeeded(0)) << "the last canary router completes the canary";
    EXPECT_TRUE(c.canary_passed());
    EXPECT_TRUE(c.may_start(5, 0));
    EXPECT_FALSE(c.router_succeeded(3)) << "not a canary router";
}

TEST(job_controls, a_failed_canary_router_stops_the_job_with_the_canary_reason) {
    job_controls c(controls({}, 5, {}, 3), 10);
    EXPECT_FALSE(c.router_succeeded(0)) << "one of three";
    auto rule = c.router_failed(1, "r2", true);
    ASSERT_TRUE(rule);
    EXPECT_EQ(*rule, stop_rule::canary) << "the canary's rule comes before the others";
    EXPECT_EQ(c.reason(),
              "not started: the canary failed (router r2 failed, one of the first 3 routers; "
              "canary=3)");
    EXPECT_FALSE(c.may_start(2, 0));
    EXPECT_FALSE(c.may_start(5, 0));
}

TEST(job_controls, after_the_canary_passed_failures_fall_to_the_other_rules) {
    job_controls c(controls({}, 1, {}, 1), 4);
    EXPECT_TRUE(c.router_succeeded(0));
    EXPECT_EQ(c.router_failed(1, "r2", true), stop_rule::stop_after_failures);
}

TEST(job_controls, a_canary_as_large_as_the_job_makes_every_router_a_canary) {
    job_controls c(controls({}, {}, {}, 10), 3);
    EXPECT_EQ(c.canary_routers(), 3u);
    for (std::size_t i = 0; i < 3; ++i) EXPECT_TRUE(c.may_start(i, 0));
    EXPECT_EQ(c.router_failed(2, "r3", true), stop_rule::canary);
}

TEST(job_controls, max_parallel_applies_to_the_canary_too) {
    job_controls c(controls(1, {}, {}, 3), 6);
    EXPECT_TRUE(c.may_start(0, 0));
    EXPECT_FALSE(c.may_start(1, 1));
}

TEST(job_controls, a_journaled_stop_stays_with_its_reason) {
    job_controls c(controls({}, 2, {}, {}), 4);
    c.mark_stopped(stop_rule::stop_after_failures, "journaled reason");
    EXPECT_EQ(c.stopped_by(), stop_rule::stop_after_failures);
    EXPECT_EQ(c.reason(), "journaled reason");
    EXPECT_FALSE(c.may_start(3, 0));
    EXPECT_FALSE(c.router_failed(0, "r1", true));
}

TEST(job_controls, rule_names_round_trip) {
    for (auto rule :
         {stop_rule::stop_after_failures, stop_rule::max_fail_percent, stop_rule::canary})
        EXPECT_EQ(fanout::daemon::stop_rule_from(to_string(rule)), rule);
    EXPECT_FALSE(fanout::daemon::stop_rule_from("cancel"));
}
