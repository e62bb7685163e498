// daemon_metrics: fanoutd's event metrics, off until enable(), with their label tuples at zero.
#include "daemon/metrics/daemon_metrics.hpp"

#include <gtest/gtest.h>

#include <string>

#include "daemon/metrics/heartbeat.hpp"

using namespace fanout::metrics;

namespace {

bool has_line(const std::string& text, const std::string& line) {
    return text.find("\n" + line + "\n") != std::string::npos;
}

}  // namespace

// One test: enable() is process-wide and cannot be undone.
TEST(daemon_metrics, records_nothing_until_enabled_then_every_event) {
    record_job_accepted();
    record_router_result("failed", "timeout", 2);
    EXPECT_FALSE(enabled());
    enable();
    EXPECT_TRUE(enabled());
    auto text = render();
    EXPECT_TRUE(has_line(text, "fanout_jobs_accepted_total 0")) << "off: nothing was counted";
    EXPECT_TRUE(has_line(text, "fanout_router_results_total{status=\"failed\",kind=\"timeout\"} 0"))
        << "known tuples start at zero";
    EXPECT_TRUE(has_line(text, "fanout_jobs_refused_total{code=\"busy\"} 0"));

    record_job_accepted();
    record_job_refused("busy");
    record_job_ended("done");
    record_router_result("failed", "timeout", 2);
    record_router_result("success", "none", 0.02);
    record_session_open(0.3, true);
    record_session_open(10, false);
    record_pub_sent(false);
    record_pub_sent(true);
    record_pub_dropped();
    record_journal_sync(0.002);
    record_journal_bytes(100);
    text = render();
    for (const char* line :
         {"fanout_jobs_accepted_total 1", "fanout_jobs_refused_total{code=\"busy\"} 1",
          "fanout_jobs_ended_total{state=\"done\"} 1",
          "fanout_router_results_total{status=\"failed\",kind=\"timeout\"} 1",
          "fanout_router_results_total{status=\"success\",kind=\"none\"} 1",
          "fanout_router_result_duration_seconds_count 2",
          "fanout_router_result_duration_seconds_bucket{le=\"0.025\"} 1",
          "fanout_router_result_duration_seconds_sum 2.02",
          "fanout_session_connect_duration_seconds_count 1",
          "fanout_session_connect_failures_total 1",
          "fanout_pub_messages_sent_total{output=\"full\"} 1",
          "fanout_pub_messages_sent_total{output=\"withheld\"} 1",
          "fanout_pub_messages_dropped_total 1", "fanout_journal_fsync_duration_seconds_count 1",
          "fanout_journal_written_bytes_total 100"})
        EXPECT_TRUE(has_line(text, line)) << line << "\n" << text;
}

TEST(daemon_metrics, a_loop_is_stale_once_it_stops_beating) {
    EXPECT_TRUE(stale_loops(std::chrono::seconds(0)).empty()) << "never beaten: not named";
    beat(loop::publisher);
    EXPECT_TRUE(stale_loops(std::chrono::hours(1)).empty());
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    while (stale_loops(std::chrono::nanoseconds(1)).empty() &&
           std::chrono::steady_clock::now() < deadline) {
    }
    EXPECT_EQ(stale_loops(std::chrono::nanoseconds(1)), std::vector<std::string>{"publisher"});
}
