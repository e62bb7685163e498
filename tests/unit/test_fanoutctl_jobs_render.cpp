// fanoutctl's rendering for `jobs`, `follow` and `watch` (issue 13): the jobs table and its
// note at the limit, a job stopped by its rule, the JSON form, watch's result and job-end lines.
#include <gtest/gtest.h>

#include "tools/fanoutctl/render_jobs.hpp"

namespace {

using namespace fanout;
using namespace fanout::ctl;
using protocol::job_state;

protocol::job_entry entry(std::string id, job_state state, std::uint64_t commands = 1) {
    return {std::move(id),
            state,
            "2026-12-06T12:00:00.000Z",
            "show version",
            commands,
            150,
            150,
            147,
            144,
            3,
            0};
}

TEST(FanoutctlJobs, TableHasOneRowPerJobInReplyOrder) {
    protocol::jobs_reply reply;
    reply.matched = 2;
    reply.jobs = {entry("nightly-43", job_state::running, 3), entry("nightly-42", job_state::done)};
    const auto text = format_jobs_table(reply);
    const auto heading = text.find("JOB");
    const auto newer = text.find("nightly-43");
    const auto older = text.find("nightly-42");
    ASSERT_NE(heading, std::string::npos) << text;
    EXPECT_LT(heading, newer);
    EXPECT_LT(newer, older);
    EXPECT_NE(text.find("show version (+2 more)"), std::string::npos) << text;
    EXPECT_NE(text.find("147/150"), std::string::npos) << text;
    EXPECT_NE(text.find("running"), std::string::npos) << text;
    EXPECT_EQ(text.find("newest"), std::string::npos) << "no note without more: " << text;
}

TEST(FanoutctlJobs, TableSaysWhenOlderJobsWereLeftOut) {
    protocol::jobs_reply reply;
    reply.matched = 1234;
    reply.more = true;
    reply.jobs = {entry("a", job_state::done)};
    EXPECT_NE(format_jobs_table(reply).find("the newest 1 of 1234 jobs"), std::string::npos);
    EXPECT_EQ(format_jobs_table({}), "no jobs\n");
}

TEST(FanoutctlJobs, RouterTextIsMadeTerminalSafe) {
    protocol::jobs_reply reply;
    reply.jobs = {entry("a", job_state::done)};
    reply.jobs[0].command = "show \x1b[31mred";
    EXPECT_EQ(format_jobs_table(reply).find('\x1b'), std::string::npos);
}

TEST(FanoutctlJobs, JsonUsesTheWireNames) {
    protocol::jobs_reply reply;
    reply.matched = 3;
    reply.more = true;
    reply.jobs = {entry("a", job_state::cancelled)};
    const auto j = jobs_to_json(reply);
    EXPECT_EQ(j["type"], "jobs");
    EXPECT_EQ(j["matched"], 3);
    EXPECT_EQ(j["more"], true);
    ASSERT_EQ(j["jobs"].size(), 1u);
    EXPECT_EQ(j["jobs"][0]["state"], "cancelled");
    EXPECT_EQ(j["jobs"][0]["submitted_at"], "2026-12-06T12:00:00.000Z");
    EXPECT_EQ(j["jobs"][0]["total_routers"], 150);
    EXPECT_EQ(j["jobs"][0]["completed"], 147);
    EXPECT_FALSE(j["jobs"][0].contains("deadline")) << "absent when not sent";
    reply.jobs[0].deadline = 12.5;
    EXPECT_EQ(jobs_to_json(reply)["jobs"][0]["deadline"], 12.5);
}

TEST(FanoutctlJobs, AJobStoppedByItsRuleSaysSoNotJustCancelled) {
    protocol::jobs_reply reply;
    reply.jobs = {entry("guarded", job_state::cancelled), entry("stopping", job_state::running),
                  entry("cancelled", job_state::cancelled)};
    reply.jobs[0].stopped_by = "max_fail_percent";
    reply.jobs[0].submitted_by = "ops-laptop";
    reply.jobs[0].requested_by = "CHG-1234";
    reply.jobs[1].stopped_by = "canary";
    const auto text = format_jobs_table(reply);
    EXPECT_NE(text.find("guarded    stopped (max_fail_percent)"), std::string::npos) << text;
    EXPECT_NE(text.find("stopping   running, stopping (canary)"), std::string::npos) << text;
    EXPECT_NE(text.find("cancelled  cancelled "), std::string::npos) << text;
    const auto j = jobs_to_json(reply);
    EXPECT_EQ(j["jobs"][0]["state"], "cancelled") << "the wire word stays";
    EXPECT_EQ(j["jobs"][0]["stopped_by"], "max_fail_percent");
    EXPECT_EQ(j["jobs"][0]["submitted_by"], "ops-laptop");
    EXPECT_EQ(j["jobs"][0]["requested_by"], "CHG-1234");
    EXPECT_FALSE(j["jobs"][2].contains("stopped_by")) << "absent when not sent";
    EXPECT_FALSE(j["jobs"][2].contains("submitted_by"));
    EXPECT_FALSE(j["jobs"][2].contains("requested_by"));
}

TEST(FanoutctlJobs, LocalTimeFallsBackToTheTextGiven) {
    EXPECT_EQ(local_time_of("not a time"), "not a time");
    EXPECT_EQ(local_time_of("2001-02-03T04:05:06.000Z").substr(0, 4), "2001");  // not today
}

TEST(FanoutctlJobs, WatchLinesNameSeqJobRouterAndCommand) {
    protocol::router_result r;
    r.job_id = "nightly-42";
    r.router_name = "r7";
    r.command = "show version";
    r.status = protocol::router_status::success;
    r.output = "Hostname: r7\nModel: mx480\n";
    r.seq = 1017;
    const auto line = format_watch_line(r);
    EXPECT_EQ(line.rfind("#1017 nightly-42  r7", 0), 0u) << line;
    EXPECT_NE(line.find("[show version]"), std::string::npos) << line;
    EXPECT_NE(line.find("Hostname: r7"), std::string::npos) << line;
    EXPECT_EQ(line.find("Model"), std::string::npos) << "one line: " << line;
    EXPECT_EQ(std::count(line.begin(), line.end(), '\n'), 1);
}

TEST(FanoutctlJobs, JobEndLineAndJsonWithoutResults) {
    protocol::job_result job;
    job.job_id = "nightly-42";
    job.state = job_state::done;
    job.summary = {{"show version"}, true, 2, 2, 1, 1, 0, 1.5};
    job.results.resize(2);
    const auto line = format_job_end_line(job);
    EXPECT_EQ(line.rfind("job nightly-42 done", 0), 0u) << line;
    EXPECT_NE(line.find("1 failed"), std::string::npos) << line;
    EXPECT_EQ(line.find("stopped"), std::string::npos) << line;
    job.state = job_state::cancelled;
    job.stopped_by = "stop_after_failures";
    EXPECT_EQ(
        format_job_end_line(job).rfind(
            "job nightly-42 cancelled in 1.500s, stopped by stop_after_failures: 2 routers", 0),
        0u)
        << format_job_end_line(job);
    const auto j = job_end_json(job);
    EXPECT_EQ(j["type"], "job_result");
    EXPECT_EQ(j["summary"]["failed"], 1);
    EXPECT_FALSE(j.contains("results"));
}

}  // namespace
