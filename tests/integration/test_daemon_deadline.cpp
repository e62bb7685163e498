// A per-job deadline and the connect budget (issue 13), against fleetsim with daemon defaults
// (--connect-timeout 10, --connect-retries 2): a dead-banner router (hang_banner: the TCP
// connect succeeds, no SSH banner ever comes) used to hold a job for 3 x 10 s + waits.
// - `fanoutctl run --deadline 5` against it ends within the deadline (the done-when:
//   6 s; asserted with a CI-safe bound, the measured time is printed);
// - a deadline that expires mid-command (hang_after_auth) fails the command as timeout;
// - a job with `timeout` 2 and no deadline gets a 5 s connect budget;
// - through a fleetsim bastion, the same deadline holds;
// - the job summary and `status` echo `deadline` (and fanoutctl shows it), and it is part of
//   the job's content.
#include <gtest/gtest.h>

#include <chrono>
#include <cstdio>
#include <memory>
#include <string>

#include "tests/support/fanout_harness.hpp"

namespace fanout::testing {
namespace {

using protocol::error_kind;
using protocol::job_result;
using protocol::router_status;
using steady = std::chrono::steady_clock;

// Generous for a loaded 2-core CI box under ASan; the bound is 6 s for --deadline 5.
constexpr double ci_bound = 15.0;
// Without a deadline and the budget, hang_banner took (retries + 1) x connect timeout = 30 s+.
constexpr double old_cost = 30.0;

double seconds_since(steady::time_point start) {
    return std::chrono::duration<double>(steady::now() - start).count();
}

protocol::submit_request with_deadline(std::string id, std::vector<std::string> routers,
                                       std::optional<double> deadline,
                                       std::optional<double> timeout = std::nullopt) {
    auto submit = submit_of(std::move(id), "show version", std::move(routers), true, timeout);
    submit.deadline = deadline;
    return submit;
}

class daemon_deadline : public ::testing::Test {
  protected:
    static void SetUpTestSuite() {
        direct_ = std::make_unique<fleet_and_daemon>(
            3, args{"--fault", "r1=hang_banner", "--fault", "r2=hang_after_auth"},
            args{"--workers", "8"});
        bastion_ = std::make_unique<fleet_and_daemon>(
            2, args{"--bastions", "1", "--fault", "r1=hang_banner"}, args{"--workers", "8"});
    }
    static void TearDownTestSuite() {
        direct_.reset();
        bastion_.reset();
    }
    static inline std::unique_ptr<fleet_and_daemon> direct_, bastion_;
};

TEST_F(daemon_deadline, fanoutctl_deadline_5_ends_a_dead_banner_router_within_the_deadline) {
    const auto start = steady::now();
    child_process ctl({FANOUTCTL_BIN, "--jobs", direct_->daemon.jobs(), "--results",
                       direct_->daemon.results(), "run", "-r", "r1", "--deadline", "5",
                       "--no-progress", "--json", "show", "version"});
    ctl.drain(60s);
    const auto status = ctl.wait(60s);
    const double took = seconds_since(start);
    std::printf("[ measured ] fanoutctl run --deadline 5 on a hang_banner router: %.2f s\n", took);
    EXPECT_EQ(status.value_or(-1), 1) << "a failed router exits 1";
    EXPECT_GE(took, 4.9) << "not before the deadline";
    EXPECT_LT(took, ci_bound);
    std::string all;
    for (const auto& line : ctl.lines()) all += line + "\n";
    EXPECT_NE(all.find("deadline of 5 s hit during connect"), std::string::npos) << all;
    EXPECT_NE(all.find("\"timeout\""), std::string::npos) << all;
}

TEST_F(daemon_deadline, a_deadline_that_expires_mid_command_fails_it_as_timeout) {
    client jobs(direct_->daemon.jobs());
    const auto start = steady::now();
    auto aggregate = expect_reply<job_result>(
        jobs.request(with_deadline("mid-command", {"r2", "r3"}, 3.0, 60.0), 60s));
    const double took = seconds_since(start);
    ASSERT_EQ(aggregate.results.size(), 2u);
    const auto& hung = aggregate.results[0];
    EXPECT_EQ(hung.status, router_status::failed);
    ASSERT_TRUE(hung.error);
    EXPECT_EQ(hung.error->kind, error_kind::timeout);
    EXPECT_NE(hung.error->message.find("deadline of 3 s hit during command"), std::string::npos)
        << hung.error->message;
    EXPECT_GE(hung.execution_duration, 2.9);
    EXPECT_LT(took, ci_bound) << "the 60 s command timeout was capped by the deadline";
    EXPECT_EQ(aggregate.results[1].status, router_status::success);
    ASSERT_TRUE(aggregate.summary.deadline);
    EXPECT_DOUBLE_EQ(*aggregate.summary.deadline, 3.0) << "the summary echoes the deadline";
}

TEST_F(daemon_deadline, without_a_deadline_a_2_s_timeout_gives_the_connect_phase_5_s) {
    client jobs(direct_->daemon.jobs());
    const auto start = steady::now();
    auto aggregate = expect_reply<job_result>(
        jobs.request(with_deadline("budget", {"r1"}, std::nullopt, 2.0), 60s));
    const double took = seconds_since(start);
    std::printf("[ measured ] --timeout 2, no deadline, hang_banner router: %.2f s\n", took);
    const auto& r = aggregate.results.at(0);
    ASSERT_TRUE(r.error);
    EXPECT_EQ(r.error->kind, error_kind::timeout);
    EXPECT_NE(r.error->message.find("connect budget of 5 s (from the job's timeout) spent during "
                                    "connect"),
              std::string::npos)
        << r.error->message;
    EXPECT_GE(r.execution_duration, 4.9);
    EXPECT_LT(took, ci_bound);
    EXPECT_LT(took, old_cost);
    EXPECT_FALSE(aggregate.summary.deadline) << "no deadline, none echoed";
}

TEST_F(daemon_deadline, the_deadline_is_part_of_the_jobs_content) {
    client jobs(direct_->daemon.jobs());
    auto first =
        expect_reply<job_result>(jobs.request(with_deadline("content", {"r3"}, 20.0), 60s));
    EXPECT_EQ(first.results.at(0).status, router_status::success);
    auto again =
        expect_reply<job_result>(jobs.request(with_deadline("content", {"r3"}, 20.0), 60s));
    EXPECT_FALSE(again.first_accepted_at.empty()) << "the same content: answered as a resubmit";
    auto other = expect_error(jobs.request(with_deadline("content", {"r3"}, 30.0), 60s));
    EXPECT_EQ(other.code, protocol::error_code::duplicate_job);
    auto none = expect_error(jobs.request(with_deadline("content", {"r3"}, std::nullopt), 60s));
    EXPECT_EQ(none.code, protocol::error_code::duplicate_job);
}

TEST_F(daemon_deadline, status_and_fanoutctl_show_the_deadline) {
    client jobs(direct_->daemon.jobs());
    expect_reply<job_result>(jobs.request(with_deadline("shown", {"r3"}, 20.0), 60s));
    expect_reply<job_result>(jobs.request(with_deadline("unbounded", {"r3"}, std::nullopt), 60s));
    auto status =
        expect_reply<protocol::status_reply>(jobs.request(protocol::status_request{"shown"}));
    EXPECT_DOUBLE_EQ(status.deadline.value_or(0), 20.0);
    EXPECT_FALSE(
        expect_reply<protocol::status_reply>(jobs.request(protocol::status_request{"unbounded"}))
            .deadline);
    const auto ctl = [&](std::vector<std::string> arguments) {
        std::vector<std::string> argv = {FANOUTCTL_BIN, "--jobs", direct_->daemon.jobs()};
        argv.insert(argv.end(), arguments.begin(), arguments.end());
        child_process process(argv);
        process.drain(60s);
        EXPECT_TRUE(process.wait(60s).has_value());
        std::string text;
        for (const auto& line : process.lines()) text += line + "\n";
        return text;
    };
    // A table row `  deadline <padding> 20s per router`.
    const auto has_row = [](const std::string& text) {
        const auto at = text.find("  deadline  ");
        return at != std::string::npos &&
               text.find_first_not_of(' ', at + 10) == text.find("20s per router\n", at);
    };
    auto text = ctl({"status", "shown"});
    EXPECT_TRUE(has_row(text)) << text;
    text = ctl({"result", "--brief", "shown"});
    EXPECT_TRUE(has_row(text)) << text;
    text = ctl({"status", "--json", "shown"});
    EXPECT_NE(text.find("\"deadline\":20"), std::string::npos) << text;
    text = ctl({"status", "unbounded"});
    EXPECT_EQ(text.find("deadline"), std::string::npos) << text;
}

TEST_F(daemon_deadline, through_a_bastion_the_deadline_bounds_a_dead_banner_router) {
    client jobs(bastion_->daemon.jobs());
    const auto start = steady::now();
    auto aggregate = expect_reply<job_result>(
        jobs.request(with_deadline("via-bastion", {"r1", "r2"}, 5.0), 60s));
    const double took = seconds_since(start);
    std::printf("[ measured ] --deadline 5 through a bastion, hang_banner router: %.2f s\n", took);
    ASSERT_EQ(aggregate.results.size(), 2u);
    const auto& r = aggregate.results[0];
    ASSERT_TRUE(r.error);
    EXPECT_EQ(r.error->kind, error_kind::timeout);
    EXPECT_NE(r.error->message.find("deadline of 5 s hit during connect"), std::string::npos)
        << r.error->message;
    EXPECT_LT(took, ci_bound);
    EXPECT_EQ(aggregate.results[1].status, router_status::success)
        << (aggregate.results[1].error ? aggregate.results[1].error->message : "");
}

}  // namespace
}  // namespace fanout::testing
