// End to end against the fake fleet: big jobs, the PUB stream, ordering, several commands.
#include <gtest/gtest.h>

#include <set>

#include "tests/support/fanout_harness.hpp"

using namespace fanout::testing;
using fanout::protocol::accepted_reply;
using fanout::protocol::error_kind;
using fanout::protocol::job_result;
using fanout::protocol::job_state;
using fanout::protocol::router_status;

namespace {

class daemon_jobs : public ::testing::Test {
  protected:
    static void SetUpTestSuite() {
        setup_ = std::make_unique<fleet_and_daemon>(
            200,
            args{"--latency-ms", "20", "--jitter-ms", "30", "--fault", "r7=auth_fail", "--fault",
                 "r9=one_channel"},
            args{"--workers", "64"});
    }
    static void TearDownTestSuite() { setup_.reset(); }
    static inline std::unique_ptr<fleet_and_daemon> setup_;
};

}  // namespace

TEST_F(daemon_jobs, a_200_router_job_streams_every_result_then_its_aggregate) {
    client jobs(setup_->daemon.jobs());
    subscriber results(setup_->daemon.results(), "");
    results.sync(jobs, "r1");

    auto routers = router_names(1, 200);
    routers.erase(routers.begin() + 6);  // r7 is the auth_fail router; see the mixed test
    auto accepted = expect_reply<accepted_reply>(
        jobs.request(submit_of("big-200", "show interfaces terse", routers, false)));
    EXPECT_EQ(accepted.job_id, "big-200");
    EXPECT_EQ(accepted.total, 199u);

    job_result aggregate;
    auto streamed = results.until_job_result("big-200", aggregate, 120s);
    EXPECT_EQ(streamed.size(), 199u) << "every router_result is published before the aggregate";
    EXPECT_EQ(aggregate.state, job_state::done);
    EXPECT_EQ(aggregate.summary.total_routers, 199u);
    EXPECT_EQ(aggregate.summary.successful, 199u);
    ASSERT_EQ(aggregate.results.size(), 199u);
    std::set<std::uint64_t> seqs;
    for (std::size_t i = 0; i < routers.size(); ++i) {
        EXPECT_EQ(aggregate.results[i].router_name, routers[i]) << "request order";
        EXPECT_EQ(aggregate.results[i].status, router_status::success);
        EXPECT_NE(aggregate.results[i].output.find("Interface"), std::string::npos);
        seqs.insert(aggregate.results[i].seq);
    }
    EXPECT_EQ(seqs.size(), 199u) << "seq numbers are unique";
    for (const auto& r : streamed)
        EXPECT_TRUE(seqs.count(r.seq)) << "same seq on PUB and in aggregate";
}

TEST_F(daemon_jobs, successes_and_failures_mix_in_one_job) {
    client jobs(setup_->daemon.jobs());
    fanout::protocol::submit_request s = submit_of("mixed", "", {"r6", "r7", "r8"});
    s.commands = {"show version", "show chassis nonsense"};
    s.single_command = false;
    auto aggregate = expect_reply<job_result>(jobs.request(s));
    ASSERT_EQ(aggregate.results.size(), 6u);
    const auto& ok = aggregate.results[0];
    EXPECT_EQ(ok.router_name, "r6");
    EXPECT_EQ(ok.command_index, 0u);
    EXPECT_EQ(ok.status, router_status::success);
    const auto& unknown = aggregate.results[1];
    EXPECT_EQ(unknown.command, "show chassis nonsense");
    EXPECT_EQ(unknown.status, router_status::failed);
    ASSERT_TRUE(unknown.error);
    EXPECT_EQ(unknown.error->kind, error_kind::exit_status);
    EXPECT_EQ(unknown.exit_status, 1);
    EXPECT_NE((unknown.output + unknown.stderr_output).find("error"), std::string::npos);
    for (int c = 0; c < 2; ++c) {
        const auto& denied = aggregate.results[2 + c];
        EXPECT_EQ(denied.router_name, "r7");
        EXPECT_EQ(denied.command_index, static_cast<std::uint32_t>(c));
        ASSERT_TRUE(denied.error);
        EXPECT_EQ(denied.error->kind, error_kind::auth);
    }
    EXPECT_EQ(aggregate.results[4].status, router_status::success);
    EXPECT_FALSE(aggregate.summary.single_command);
    EXPECT_EQ(aggregate.summary.commands.size(), 2u);
    EXPECT_EQ(aggregate.summary.total, 6u);
    EXPECT_EQ(aggregate.summary.successful, 2u) << "show version on r6 and r8";
    EXPECT_EQ(aggregate.summary.failed, 4u);
}

TEST_F(daemon_jobs, a_router_allowing_one_channel_per_connection_runs_every_command) {
    client jobs(setup_->daemon.jobs());
    fanout::protocol::submit_request s = submit_of("one-channel", "", {"r9", "r10"});
    s.commands = {"show version", "show system uptime", "show interfaces terse"};
    s.single_command = false;
    auto aggregate = expect_reply<job_result>(jobs.request(s));
    ASSERT_EQ(aggregate.results.size(), 6u);
    for (const auto& r : aggregate.results)
        EXPECT_EQ(r.status, router_status::success)
            << r.router_name << " " << r.command << ": " << (r.error ? r.error->message : "");
    EXPECT_NE(aggregate.results[2].output.find("Interface"), std::string::npos);
}

TEST_F(daemon_jobs, a_req_client_gets_its_reply_through_the_delimiter) {
    client req(setup_->daemon.jobs(), zmq::socket_type::req);
    auto reply = req.request(fanout::protocol::ping_request{});
    auto pong = expect_reply<fanout::protocol::pong_reply>(reply);
    EXPECT_EQ(pong.workers, 64u);
}

TEST_F(daemon_jobs, routers_lists_the_inventory_without_secrets) {
    client jobs(setup_->daemon.jobs());
    auto routers = expect_reply<fanout::protocol::routers_reply>(
        jobs.request(fanout::protocol::routers_request{}));
    EXPECT_EQ(routers.routers.size(), 200u);
    jobs.send_frames({fanout::protocol::encode_request(fanout::protocol::routers_request{})});
    auto raw = jobs.receive(10s);
    ASSERT_TRUE(raw);
    EXPECT_EQ(raw->find("fanout-secret"), std::string::npos) << "the fleet password";
    EXPECT_EQ(raw->find("password"), std::string::npos);
}

TEST_F(daemon_jobs, the_daemon_assigns_a_job_id_when_none_is_given) {
    client jobs(setup_->daemon.jobs());
    auto a =
        expect_reply<accepted_reply>(jobs.request(submit_of("", "show version", {"r1"}, false)));
    auto b =
        expect_reply<accepted_reply>(jobs.request(submit_of("", "show version", {"r2"}, false)));
    EXPECT_FALSE(a.job_id.empty());
    EXPECT_NE(a.job_id, b.job_id);
}
