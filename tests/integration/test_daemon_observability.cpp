// --metrics-listen against a real fleet: the counters match the jobs run, /healthz answers, and
// /readyz turns 503 for the shutdown grace period.
#include <signal.h>

#include <gtest/gtest.h>

#include <chrono>
#include <cstdlib>

#include "tests/support/fanout_harness.hpp"
#include "tests/support/loopback_port.hpp"
#include "tests/support/metrics_daemon.hpp"
#include "tests/support/metrics_text.hpp"

using namespace fanout::testing;
using namespace fanout::protocol;

namespace {

std::map<std::string, double> scrape(int port) {
    auto answer = http_get(port, "/metrics");
    if (answer.status != 200) throw std::runtime_error("/metrics answered " + answer.body);
    return samples_of(answer.body);
}

}  // namespace

TEST(daemon_observability, counters_match_the_jobs_run) {
    temp_dir dir;
    fleet routers(dir, 5, {"--fault", "r5=auth_fail"});
    metrics_daemon served(dir, routers);
    const int port = served.port;
    auto& d = *served.process;
    EXPECT_EQ(http_get(port, "/healthz").status, 200);
    EXPECT_EQ(http_get(port, "/readyz").status, 200);
    // The health check of the container and the systemd timer (bash /dev/tcp, no curl).
    const std::string probe =
        "bash " + std::string(FANOUT_SOURCE_DIR) + "/scripts/fanout-healthcheck ";
    EXPECT_EQ(std::system((probe + "127.0.0.1:" + std::to_string(port)).c_str()), 0);
    EXPECT_EQ(std::system((probe + "127.0.0.1:" + std::to_string(port) + " /readyz").c_str()), 0);
    EXPECT_NE(std::system((probe + "127.0.0.1:" + std::to_string(port) + " /nothing").c_str()), 0)
        << "a 404 is not healthy";
    const loopback_socket nothing(/*listening=*/false);
    EXPECT_NE(std::system((probe + "127.0.0.1:" + std::to_string(nothing.port())).c_str()), 0)
        << "nothing listening";
    auto before = scrape(port);
    EXPECT_EQ(before["fanout_jobs_accepted_total"], 0) << "the readiness ping runs no job";

    client jobs(d.jobs());
    auto aggregate =
        expect_reply<job_result>(jobs.request(submit_of("m1", "show version", router_names(1, 5))));
    ASSERT_EQ(aggregate.summary.successful, 4u);
    expect_reply<job_result>(jobs.request(submit_of("m1", "show version", router_names(1, 5))));
    EXPECT_EQ(expect_error(jobs.request(submit_of("m2", "show version", {"nope"}))).code,
              error_code::unknown_routers);
    EXPECT_EQ(expect_error(jobs.request(submit_of("m3", "request system reboot", {"r1"}))).code,
              error_code::forbidden_command);

    // The aggregate goes out when the last result is recorded; the worker that recorded it
    // ends its task (session back to the pool) just after, so the gauge is polled down.
    auto m = scrape(port);
    const auto settled_by = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    while (m["fanout_router_tasks_pending"] != 0 && std::chrono::steady_clock::now() < settled_by)
        m = scrape(port);
    EXPECT_EQ(m["fanout_jobs_accepted_total"], 1) << "the resubmit of m1 is not a new job";
    EXPECT_EQ(m["fanout_jobs_refused_total{code=\"unknown_routers\"}"], 1);
    EXPECT_EQ(m["fanout_jobs_refused_total{code=\"forbidden_command\"}"], 1);
    EXPECT_EQ(m["fanout_jobs_ended_total{state=\"done\"}"], 1);
    EXPECT_EQ(m["fanout_router_results_total{status=\"success\",kind=\"none\"}"], 4);
    EXPECT_EQ(m["fanout_router_results_total{status=\"failed\",kind=\"auth\"}"], 1);
    EXPECT_EQ(m["fanout_router_result_duration_seconds_count"], 5);
    EXPECT_EQ(m["fanout_router_result_duration_seconds_bucket{le=\"+Inf\"}"], 5);
    EXPECT_EQ(m["fanout_session_connect_duration_seconds_count"], 4);
    EXPECT_EQ(m["fanout_session_connect_failures_total"], 1);
    EXPECT_EQ(m["fanout_session_pool_misses_total"], 5);
    // 5 results and 1 aggregate, plus the readiness ping's: all sent in full.
    EXPECT_GE(m["fanout_pub_messages_sent_total{output=\"full\"}"], 6);
    EXPECT_EQ(m["fanout_jobs{state=\"queued\"}"] + m["fanout_jobs{state=\"running\"}"], 0);
    EXPECT_EQ(m["fanout_router_tasks_pending"], 0);
    EXPECT_GT(m["process_resident_memory_bytes"], 1e6);
    EXPECT_GT(m["process_open_fds"], 3);
}

TEST(daemon_observability, journal_metrics_count_what_it_syncs) {
    temp_dir dir;
    fleet routers(dir, 2, {});
    metrics_daemon served(dir, routers, {"--state-dir", dir.file("state")});
    const int port = served.port;
    auto& d = *served.process;
    client jobs(d.jobs());
    expect_reply<job_result>(jobs.request(submit_of("j1", "show version", router_names(1, 2))));
    auto m = scrape(port);
    EXPECT_GT(m["fanout_journal_written_bytes_total"], 100);
    EXPECT_GE(m["fanout_journal_fsync_duration_seconds_count"], 1);
}

TEST(daemon_observability, readyz_is_503_while_draining_and_healthz_stays_200) {
    temp_dir dir;
    fleet routers(dir, 2, {"--fault", "r1=hang_auth"});
    metrics_daemon served(dir, routers, {"--shutdown-grace", "120"});
    const int port = served.port;
    auto& d = *served.process;
    client jobs(d.jobs());
    expect_reply<accepted_reply>(
        jobs.request(submit_of("stuck", "show version", {"r1"}, false, 600.0)));
    ASSERT_EQ(http_get(port, "/readyz").status, 200);

    ASSERT_EQ(::kill(d.process().pid(), SIGTERM), 0);
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
    http_answer ready;
    while ((ready = http_get(port, "/readyz")).status != 503 &&
           std::chrono::steady_clock::now() < deadline) {
    }
    EXPECT_EQ(ready.status, 503);
    EXPECT_EQ(ready.body, "draining\n");
    EXPECT_EQ(http_get(port, "/healthz").status, 200) << "draining is not dead";
    // The job is queued or running (a worker may not have taken it before the SIGTERM).
    const auto draining = scrape(port);
    EXPECT_EQ(draining.at("fanout_jobs{state=\"queued\"}") +
                  draining.at("fanout_jobs{state=\"running\"}"),
              1)
        << "still serving metrics";

    expect_reply<status_reply>(jobs.request(cancel_request{"stuck"}));
    EXPECT_EQ(d.process().wait(std::chrono::seconds(60)), 0) << "exits once the job ended";
    EXPECT_EQ(http_get(port, "/readyz", std::chrono::seconds(5)).status, 0) << "gone";
}
