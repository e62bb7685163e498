// Control requests and the daemon's limits: status, result, cancel, busy, and SIGTERM.
#include <gtest/gtest.h>

#include <signal.h>

#include <chrono>
#include <string>

#include "tests/support/fanout_harness.hpp"

using namespace fanout::testing;
using fanout::protocol::accepted_reply;
using fanout::protocol::cancel_request;
using fanout::protocol::error_code;
using fanout::protocol::error_reply;
using fanout::protocol::job_result;
using fanout::protocol::job_state;
using fanout::protocol::result_request;
using fanout::protocol::router_result;
using fanout::protocol::router_status;
using fanout::protocol::status_reply;
using fanout::protocol::status_request;

namespace {

// r1..r3 accept the command and never answer; r4..r6 answer at once.
struct hanging_fleet {
    temp_dir dir;
    fleet routers{
        dir, 6, {"--fault", "r1=hang_auth", "--fault", "r2=hang_auth", "--fault", "r3=hang_auth"}};
};

error_code error_of(const fanout::protocol::reply& r) {
    return expect_error(r).code;
}

// True once `status` finds `job_id` (another client's submit reached the daemon), polling for
// up to 30 s.
bool known_soon(client& jobs, const std::string& job_id) {
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
    while (std::holds_alternative<error_reply>(jobs.request(status_request{job_id})))
        if (std::chrono::steady_clock::now() > deadline) return false;
    return true;
}

}  // namespace

TEST(daemon_control, status_result_and_cancel_follow_a_job) {
    hanging_fleet f;
    fanoutd_process d(f.dir, f.routers.devices_json(), f.routers.known_hosts());
    client jobs(d.jobs());
    subscriber results(d.results());
    results.sync(jobs, "r4");

    expect_reply<accepted_reply>(
        jobs.request(submit_of("held", "show version", {"r1", "r2", "r3", "r4"}, false, 600.0)));
    // r4 answers at once; once its result is out, r1..r3 are in flight and hanging.
    auto first = results.next(30s);
    ASSERT_TRUE(first);
    ASSERT_EQ(std::get<router_result>(*first).router_name, "r4");

    auto running = expect_reply<status_reply>(jobs.request(status_request{"held"}));
    EXPECT_EQ(running.state, job_state::running);
    EXPECT_EQ(running.total, 4u);
    EXPECT_EQ(running.completed, 1u);
    EXPECT_EQ(running.successful, 1u);
    // `result` of a running job answers with its status.
    expect_reply<status_reply>(jobs.request(result_request{"held"}));

    expect_reply<status_reply>(jobs.request(cancel_request{"held"}));
    job_result aggregate;
    results.until_job_result("held", aggregate, 30s);
    EXPECT_EQ(aggregate.state, job_state::cancelled);
    EXPECT_EQ(aggregate.summary.cancelled, 3u);
    EXPECT_EQ(aggregate.summary.successful, 1u);
    for (int i = 0; i < 3; ++i) EXPECT_EQ(aggregate.results[i].status, router_status::cancelled);

    auto fetched = expect_reply<job_result>(jobs.request(result_request{"held"}));
    EXPECT_EQ(fetched.results.size(), 4u);
    EXPECT_EQ(expect_reply<status_reply>(jobs.request(status_request{"held"})).state,
              job_state::cancelled);
    EXPECT_EQ(error_of(jobs.request(status_request{"nope"})), error_code::not_found);
    EXPECT_EQ(error_of(jobs.request(result_request{"nope"})), error_code::not_found);
    EXPECT_EQ(error_of(jobs.request(cancel_request{"nope"})), error_code::not_found);
}

TEST(daemon_control, refuses_with_busy_beyond_max_queued_jobs_then_recovers) {
    hanging_fleet f;
    fanoutd_process d(f.dir, f.routers.devices_json(), f.routers.known_hosts(),
                      {"--max-queued-jobs", "1"});
    client jobs(d.jobs());
    subscriber results(d.results(), fanout::protocol::job_result_topic("first"));
    results.sync(jobs, "r4");
    expect_reply<accepted_reply>(
        jobs.request(submit_of("first", "show version", {"r1"}, false, 600.0)));
    auto refused = expect_error(jobs.request(submit_of("second", "show version", {"r4"}, false)));
    EXPECT_EQ(refused.code, error_code::busy);
    EXPECT_NE(refused.message.find("--max-queued-jobs"), std::string::npos);
    EXPECT_EQ(error_of(jobs.request(status_request{"second"})), error_code::not_found)
        << "a refused job was not half-accepted";

    expect_reply<status_reply>(jobs.request(cancel_request{"first"}));
    job_result first;
    results.until_job_result("first", first, 30s);
    EXPECT_EQ(first.state, job_state::cancelled);
    auto again =
        expect_reply<job_result>(jobs.request(submit_of("second", "show version", {"r4"})));
    EXPECT_EQ(again.summary.successful, 1u) << "room again once the first job ended";
}

TEST(daemon_control, every_wait_true_client_gets_its_job_result_even_past_retention) {
    temp_dir dir;
    fleet routers(dir, 2);
    fanoutd_process d(dir, routers.devices_json(), routers.known_hosts(), {"--keep-jobs", "1"});
    client jobs(d.jobs());
    constexpr int submits = 30;
    for (int i = 0; i < submits; ++i)
        jobs.send_frames({fanout::protocol::encode_request(
            submit_of("pipelined-" + std::to_string(i), "show version", {"r1", "r2"}, true))});
    for (int i = 0; i < submits; ++i) {
        auto body = jobs.receive(60s);
        ASSERT_TRUE(body) << "reply " << i;
        auto aggregate =
            expect_reply<job_result>(std::get<0>(fanout::protocol::decode_reply(*body)));
        EXPECT_EQ(aggregate.summary.successful, 2u);
    }
}

TEST(daemon_control, refuses_with_busy_beyond_max_pending_tasks) {
    hanging_fleet f;
    fanoutd_process d(f.dir, f.routers.devices_json(), f.routers.known_hosts(),
                      {"--max-pending-tasks", "3", "--max-routers-per-job", "3"});
    client jobs(d.jobs());
    expect_reply<accepted_reply>(
        jobs.request(submit_of("three", "show version", {"r1", "r2", "r3"}, false, 600.0)));
    auto refused = expect_error(jobs.request(submit_of("one-more", "show version", {"r4"})));
    EXPECT_EQ(refused.code, error_code::busy);
    EXPECT_NE(refused.message.find("--max-pending-tasks"), std::string::npos);
}

TEST(daemon_control, sigterm_lets_running_jobs_finish_within_the_grace_period) {
    temp_dir dir;
    fleet slow(dir, 4, {"--latency-ms", "1500"});
    fanoutd_process d(dir, slow.devices_json(), slow.known_hosts(), {"--shutdown-grace", "30"});
    client jobs(d.jobs());
    expect_reply<accepted_reply>(
        jobs.request(submit_of("finishing", "show version", router_names(1, 4), false)));
    client waiter(d.jobs());
    waiter.send_frames({fanout::protocol::encode_request(
        submit_of("waited", "show system uptime", router_names(1, 4), true))});
    ASSERT_TRUE(known_soon(jobs, "waited"));
    ASSERT_EQ(expect_reply<status_reply>(jobs.request(status_request{"waited"})).total, 4u);

    EXPECT_EQ(d.process().stop(SIGTERM, 60s), 0);
    auto body = waiter.receive(10s);
    ASSERT_TRUE(body) << "the wait:true client is answered before exit";
    auto aggregate = expect_reply<job_result>(std::get<0>(fanout::protocol::decode_reply(*body)));
    EXPECT_EQ(aggregate.state, job_state::done);
    EXPECT_EQ(aggregate.summary.successful, 4u);
}

TEST(daemon_control, sigterm_cancels_what_the_grace_period_cannot_finish) {
    hanging_fleet f;
    fanoutd_process d(f.dir, f.routers.devices_json(), f.routers.known_hosts(),
                      {"--shutdown-grace", "0.5"});
    client jobs(d.jobs());
    client waiter(d.jobs());
    waiter.send_frames({fanout::protocol::encode_request(
        submit_of("stuck", "show version", {"r1", "r2", "r5"}, true, 600.0))});
    ASSERT_TRUE(known_soon(jobs, "stuck"));
    EXPECT_EQ(d.process().stop(SIGTERM, 60s), 0) << "exit 0 after a clean shutdown";
    auto body = waiter.receive(10s);
    ASSERT_TRUE(body);
    auto aggregate = expect_reply<job_result>(std::get<0>(fanout::protocol::decode_reply(*body)));
    EXPECT_EQ(aggregate.state, job_state::cancelled);
    EXPECT_EQ(aggregate.results.size(), 3u) << "every router of the job has a result";
    EXPECT_EQ(aggregate.results[0].status, router_status::cancelled);
    EXPECT_EQ(aggregate.results[1].status, router_status::cancelled);
}

TEST(daemon_control, host_key_policy_flag_reaches_the_transport) {
    temp_dir dir;
    fleet routers(dir, 1, {"--fault", "r1=wrong_host_key"});
    {
        fanoutd_process strict(dir, routers.devices_json(), routers.known_hosts());
        client jobs(strict.jobs());
        auto refused =
            expect_reply<job_result>(jobs.request(submit_of("strict", "show version", {"r1"})));
        ASSERT_TRUE(refused.results[0].error);
        EXPECT_EQ(refused.results[0].error->kind, fanout::protocol::error_kind::host_key);
    }
    fanoutd_process off(dir, routers.devices_json(), routers.known_hosts(),
                        {"--host-key-policy", "off"});
    client jobs(off.jobs());
    auto accepted =
        expect_reply<job_result>(jobs.request(submit_of("off", "show version", {"r1"})));
    EXPECT_EQ(accepted.results[0].status, router_status::success);
}
