// Every fleetsim fault ends in its own router's result with the right error kind, within its
// timeout plus a margin, while the healthy routers of the same job succeed.
#include <gtest/gtest.h>

#include <map>

#include "tests/support/fanout_harness.hpp"

using namespace fanout::testing;
using fanout::protocol::error_kind;
using fanout::protocol::job_result;
using fanout::protocol::router_result;
using fanout::protocol::router_status;

namespace {

constexpr double connect_timeout = 2.0;
constexpr double command_timeout = 2.0;
constexpr double margin = 2.0;  // scheduling slack on a loaded 2-core CI machine

struct fault_case {
    const char* kind;
    router_status status;
    std::optional<error_kind> error;
    double deadline;  // seconds from the router's start
};

// r1..r11 carry one fault each; r12..r15 are healthy.
const std::vector<fault_case> cases = {
    {"refuse", router_status::failed, error_kind::connect, connect_timeout},
    {"hang_banner", router_status::failed, error_kind::timeout, connect_timeout},
    {"auth_fail", router_status::failed, error_kind::auth, connect_timeout},
    {"wrong_host_key", router_status::failed, error_kind::host_key, connect_timeout},
    {"hang_auth", router_status::failed, error_kind::timeout, connect_timeout + command_timeout},
    {"drop_mid_output", router_status::failed, error_kind::channel,
     connect_timeout + command_timeout},
    {"slow_trickle", router_status::failed, error_kind::timeout, connect_timeout + command_timeout},
    {"never_close", router_status::failed, error_kind::timeout, connect_timeout + command_timeout},
    {"huge_output", router_status::success, std::nullopt, connect_timeout + command_timeout},
    {"kbdint_only", router_status::success, std::nullopt, connect_timeout + command_timeout},
    {"stderr_output", router_status::success, std::nullopt, connect_timeout + command_timeout},
};
constexpr int healthy_first = 12, healthy_last = 15;

class daemon_faults : public ::testing::Test {
  protected:
    static void SetUpTestSuite() {
        args fleet_args{"--huge-bytes", std::to_string(8 * 1024 * 1024)};
        for (std::size_t i = 0; i < cases.size(); ++i) {
            fleet_args.push_back("--fault");
            fleet_args.push_back("r" + std::to_string(i + 1) + "=" + cases[i].kind);
        }
        setup_ = std::make_unique<fleet_and_daemon>(
            healthy_last, fleet_args,
            args{"--connect-timeout", std::to_string(connect_timeout), "--command-timeout",
                 std::to_string(command_timeout), "--max-output-bytes", "1048576", "--workers",
                 "32", "--connect-retries", "0"});  // retries: test_daemon_connections.cpp
        client jobs(setup_->daemon.jobs());
        auto reply =
            jobs.request(submit_of("faults", "show version", router_names(1, healthy_last)), 120s);
        aggregate_ = std::make_unique<job_result>(expect_reply<job_result>(reply));
    }
    static void TearDownTestSuite() {
        aggregate_.reset();
        setup_.reset();
    }
    static const router_result& result_of(int router) {
        return aggregate_->results.at(static_cast<std::size_t>(router - 1));
    }

    static inline std::unique_ptr<fleet_and_daemon> setup_;
    static inline std::unique_ptr<job_result> aggregate_;
};

}  // namespace

TEST_F(daemon_faults, each_fault_has_its_error_kind_within_its_deadline) {
    ASSERT_EQ(aggregate_->results.size(), static_cast<std::size_t>(healthy_last));
    for (std::size_t i = 0; i < cases.size(); ++i) {
        const auto& c = cases[i];
        const auto& r = result_of(static_cast<int>(i) + 1);
        SCOPED_TRACE(std::string("fault ") + c.kind + " on " + r.router_name);
        EXPECT_EQ(r.router_name, "r" + std::to_string(i + 1));
        EXPECT_EQ(r.status, c.status) << (r.error ? r.error->message : "");
        if (c.error) {
            ASSERT_TRUE(r.error);
            EXPECT_EQ(r.error->kind, *c.error) << r.error->message;
            EXPECT_FALSE(r.error->message.empty());
        } else {
            EXPECT_FALSE(r.error) << r.error->message;
        }
        EXPECT_LE(r.execution_duration, c.deadline + margin);
    }
}

TEST_F(daemon_faults, healthy_routers_in_the_same_job_succeed) {
    for (int i = healthy_first; i <= healthy_last; ++i) {
        const auto& r = result_of(i);
        EXPECT_EQ(r.status, router_status::success) << r.router_name;
        EXPECT_EQ(r.exit_status, 0);
        EXPECT_NE(r.output.find(r.router_name), std::string::npos) << "show version names the host";
    }
    EXPECT_EQ(aggregate_->summary.successful, static_cast<std::uint64_t>(healthy_last - 8));
    EXPECT_EQ(aggregate_->summary.failed, 8u);
}

TEST_F(daemon_faults, huge_output_is_capped_and_marked_truncated) {
    const auto& r = result_of(9);
    EXPECT_TRUE(r.truncated);
    EXPECT_LE(r.output.size() + r.stderr_output.size(), 1048576u);
    EXPECT_GT(r.output.size(), 0u);
}

TEST_F(daemon_faults, stderr_is_captured_apart_from_stdout) {
    const auto& r = result_of(11);
    EXPECT_FALSE(r.stderr_output.empty());
    EXPECT_NE(r.output.find("r11"), std::string::npos);
}

TEST_F(daemon_faults, failures_keep_whatever_output_arrived) {
    const auto& dropped = result_of(6);
    EXPECT_FALSE(dropped.exit_status) << "a dropped connection has no exit status";
    const auto& trickle = result_of(7);
    EXPECT_FALSE(trickle.output.empty()) << "the lines that trickled in before the timeout";
}
