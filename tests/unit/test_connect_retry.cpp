// Connect retries: which failures are retried, how many times, the backoff between attempts,
// and that a cancel stops the retrying at once. Attempts are fakes that count their calls.
#include <gtest/gtest.h>

#include <atomic>
#include <thread>

#include "daemon/ssh/connect_retry.hpp"

using namespace fanout::daemon;
using namespace std::chrono_literals;
using fanout::protocol::error_kind;
using fanout::protocol::router_error;
using clock_type = std::chrono::steady_clock;

namespace {

const std::atomic<bool> not_cancelled{false};

// Fails `failures` times with `failure`, then connects.
struct fake_router {
    connect_failure failure;
    int failures = 1000;
    std::atomic<int> calls{0};  // read by the canceller thread

    connect_attempt attempt() {
        return [this]() -> std::optional<connect_failure> {
            if (calls++ < failures) return failure;
            return std::nullopt;
        };
    }
};

connect_failure refused() {
    return {{error_kind::connect, "cannot connect to [10.0.0.1]:22: Connection refused"},
            connect_stage::transport};
}

double seconds_since(clock_type::time_point start) {
    return std::chrono::duration<double>(clock_type::now() - start).count();
}

}  // namespace

TEST(connect_retry, a_router_that_refuses_twice_is_reached_on_the_third_attempt) {
    fake_router router{refused(), 2};
    auto start = clock_type::now();
    auto error = with_connect_retries(router.attempt(), 2, 100ms, not_cancelled);
    EXPECT_FALSE(error) << error->message;
    EXPECT_EQ(router.calls, 3);
    // Waits of 100 ms and 200 ms, each scaled by at least 0.5.
    EXPECT_GE(seconds_since(start), 0.15);
}

TEST(connect_retry, gives_up_after_the_retries_with_the_last_error_and_the_attempt_count) {
    fake_router router{refused()};
    auto error = with_connect_retries(router.attempt(), 2, 10ms, not_cancelled);
    ASSERT_TRUE(error);
    EXPECT_EQ(router.calls, 3);
    EXPECT_EQ(error->kind, error_kind::connect);
    EXPECT_NE(error->message.find("Connection refused (after 3 attempts)"), std::string::npos)
        << error->message;
}

TEST(connect_retry, zero_retries_means_one_attempt) {
    fake_router router{refused()};
    auto error = with_connect_retries(router.attempt(), 0, 10ms, not_cancelled);
    ASSERT_TRUE(error);
    EXPECT_EQ(router.calls, 1);
    EXPECT_EQ(error->message.find("attempts"), std::string::npos) << error->message;
}

TEST(connect_retry, timeouts_before_authentication_are_retried) {
    fake_router router{
        {{error_kind::timeout, "timed out during TCP connect"}, connect_stage::transport}};
    EXPECT_TRUE(with_connect_retries(router.attempt(), 3, 1ms, not_cancelled));
    EXPECT_EQ(router.calls, 4);
}

TEST(connect_retry, auth_host_key_negotiation_and_internal_failures_are_not_retried) {
    const connect_failure final_failures[] = {
        {{error_kind::auth, "authentication failed"}, connect_stage::authentication},
        {{error_kind::timeout, "timed out during authentication"}, connect_stage::authentication},
        {{error_kind::host_key, "host key has CHANGED"}, connect_stage::host_key},
        {{error_kind::connect, "no SSH algorithm in common"}, connect_stage::negotiation},
        {{error_kind::internal, "invalid SSH option"}, connect_stage::setup},
        {{error_kind::auth, "cannot read private key file"}, connect_stage::setup},
    };
    for (const auto& failure : final_failures) {
        SCOPED_TRACE(failure.error.message);
        fake_router router{failure};
        auto start = clock_type::now();
        auto error = with_connect_retries(router.attempt(), 5, 1s, not_cancelled);
        ASSERT_TRUE(error);
        EXPECT_EQ(router.calls, 1);
        EXPECT_EQ(error->kind, failure.error.kind);
        EXPECT_EQ(error->message, failure.error.message);
        EXPECT_LT(seconds_since(start), 0.5) << "no backoff wait either";
    }
}

TEST(connect_retry, a_cancel_during_the_backoff_stops_at_once) {
    fake_router router{refused()};
    std::atomic<bool> cancelled{false};
    std::thread canceller([&] {
        while (router.calls == 0) std::this_thread::yield();
        cancelled = true;
    });
    auto start = clock_type::now();
    // A 10 s backoff (at least 5 s with jitter): only the cancel can end this quickly.
    auto error = with_connect_retries(router.attempt(), 5, 10s, cancelled);
    canceller.join();
    ASSERT_TRUE(error);
    EXPECT_EQ(router.calls, 1);
    EXPECT_LT(seconds_since(start), 2.0);
}

TEST(connect_retry, a_job_cancelled_before_a_retry_makes_no_further_attempt) {
    std::atomic<bool> cancelled{false};
    int calls = 0;
    auto attempt = [&]() -> std::optional<connect_failure> {
        ++calls;
        cancelled = true;  // the job is cancelled while this attempt runs
        return refused();
    };
    EXPECT_TRUE(with_connect_retries(attempt, 5, 1ms, cancelled));
    EXPECT_EQ(calls, 1);
}

TEST(connect_retry, backoff_doubles_with_jitter_between_half_and_one_and_a_half) {
    EXPECT_EQ(backoff_delay(500ms, 0, 0.0), 250ms);
    EXPECT_EQ(backoff_delay(500ms, 0, 0.5), 500ms);
    EXPECT_EQ(backoff_delay(500ms, 1, 0.5), 1000ms);
    EXPECT_EQ(backoff_delay(500ms, 2, 0.5), 2000ms);
    EXPECT_EQ(backoff_delay(500ms, 2, 0.999).count(), 2998);
    EXPECT_EQ(backoff_delay(0ms, 3, 0.7), 0ms);
    EXPECT_EQ(backoff_delay(10s, 9, 0.5), max_backoff_wait) << "each wait is capped";
}

TEST(connect_retry, only_transport_stage_connect_and_timeout_errors_are_worth_retrying) {
    EXPECT_TRUE(worth_retrying({error_kind::connect, "refused"}, connect_stage::transport));
    EXPECT_TRUE(worth_retrying({error_kind::timeout, "banner"}, connect_stage::transport));
    EXPECT_FALSE(worth_retrying({error_kind::connect, "no match"}, connect_stage::negotiation));
    EXPECT_FALSE(worth_retrying({error_kind::timeout, "auth"}, connect_stage::authentication));
    EXPECT_FALSE(worth_retrying({error_kind::host_key, "changed"}, connect_stage::host_key));
    EXPECT_FALSE(worth_retrying({error_kind::auth, "rejected"}, connect_stage::authentication));
}

// Issue 13: the router's time budget.
TEST(connect_retry, no_retry_starts_when_the_budget_cannot_cover_its_wait_and_an_attempt) {
    fake_router router{refused()};
    const time_budget budget(time_budget::source::deadline, clock_type::now() + 500ms, 500ms);
    auto start = clock_type::now();
    // The first wait is 1 s x 0.5-1.5: more than the 0.5 s left.
    auto error = with_connect_retries(router.attempt(), 2, 1000ms, not_cancelled, budget, 100ms);
    ASSERT_TRUE(error);
    EXPECT_EQ(router.calls, 1);
    EXPECT_LT(seconds_since(start), 0.4) << "it did not wait for a retry it could not make";
    EXPECT_EQ(error->kind, error_kind::connect) << "the budget is not spent: the refusal stands";
}

TEST(connect_retry, retries_that_fit_the_budget_still_happen) {
    fake_router router{refused(), 2};
    const time_budget budget(time_budget::source::deadline, clock_type::now() + 5s, 5s);
    auto error = with_connect_retries(router.attempt(), 2, 10ms, not_cancelled, budget, 100ms);
    EXPECT_FALSE(error);
    EXPECT_EQ(router.calls, 3);
}

TEST(connect_retry, a_timeout_once_the_budget_is_spent_names_the_budget_and_the_phase) {
    connect_failure slow_login{{error_kind::timeout,
                                "timed out after 5000 ms during password "
                                "authentication"},
                               connect_stage::authentication};
    fake_router router{slow_login};
    const time_budget spent(time_budget::source::deadline, clock_type::now() - 1ms, 5s);
    auto error = with_connect_retries(router.attempt(), 2, 10ms, not_cancelled, spent, 10s);
    ASSERT_TRUE(error);
    EXPECT_EQ(error->kind, error_kind::timeout);
    EXPECT_EQ(error->message,
              "deadline of 5 s hit during auth: timed out after 5000 ms during password "
              "authentication");

    fake_router banner{{{error_kind::timeout, "timed out after 3 ms during SSH banner"},
                        connect_stage::transport}};
    error = with_connect_retries(banner.attempt(), 2, 10ms, not_cancelled, spent, 10s);
    EXPECT_EQ(banner.calls, 1) << "a spent budget starts no retry";
    EXPECT_EQ(error->message.rfind("deadline of 5 s hit during connect: ", 0), 0u)
        << error->message;
}

TEST(connect_retry, each_attempt_gets_the_connect_timeout_capped_by_the_budget_left) {
    transport_options options;
    options.connect_timeout = 10s;
    EXPECT_EQ(within(options, time_budget{}).connect_timeout, 10s);
    EXPECT_EQ(within(options, time_budget{}).not_after, clock_type::time_point::max());
    const auto until = clock_type::now() + 3s;
    auto capped = within(options, time_budget(time_budget::source::deadline, until, 3s));
    EXPECT_LE(capped.connect_timeout, 3s);
    EXPECT_GT(capped.connect_timeout, 2s);
    EXPECT_EQ(capped.not_after, until);
    auto spent = within(options, time_budget(time_budget::source::deadline, clock_type::now(), 3s));
    EXPECT_EQ(spent.connect_timeout, 1ms) << "never 0, which libssh reads as its default";
}
