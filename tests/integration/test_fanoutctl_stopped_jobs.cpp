// fanoutctl's view of a job its rule stopped (issue 14's execution controls, as issue 13's
// commands show it), against fleetsim and a real fanoutd: `jobs` shows `stopped (RULE)` and
// its --json carries stopped_by, submitted_by and requested_by; `watch`'s job-end line says
// `stopped by RULE`; `diff` against the same job without the rule shows why each router was
// cancelled.
#include <gtest/gtest.h>

#include <algorithm>
#include <csignal>
#include <nlohmann/json.hpp>

#include "tests/support/fanout_harness.hpp"
#include "tests/support/watch_sync.hpp"

using namespace fanout::testing;
namespace protocol = fanout::protocol;
using nlohmann::json;

namespace {

using ctl_run = finished_run;

ctl_run ctl(const fanoutd_process& daemon, std::vector<std::string> arguments) {
    std::vector<std::string> argv = {FANOUTCTL_BIN, "--jobs", daemon.jobs(), "--results",
                                     daemon.results()};
    argv.insert(argv.end(), arguments.begin(), arguments.end());
    return run_to_end(std::move(argv), child_process::capture::stdout_stream, 60s);
}

}  // namespace

TEST(fanoutctl_stopped_jobs, jobs_watch_and_diff_name_the_rule_that_stopped_a_job) {
    // r2 refuses every password: a canary of 2 fails, and the rest of the job never starts.
    fleet_and_daemon setup(10, {"--fault", "r2=auth_fail"}, {"--workers", "4"});
    client jobs(setup.daemon.jobs());
    child_process watch({FANOUTCTL_BIN, "--results", setup.daemon.results(), "watch"});
    ASSERT_TRUE(sync_watch(jobs, watch, [](const std::string& id) {
        return "job " + id + " done";
    })) << "watch never received a job's end";

    auto guarded = submit_of("guarded", "show version", router_names(1, 10));
    guarded.controls.canary = 2;
    guarded.requested_by = "CHG-1234";
    auto stopped = expect_reply<protocol::job_result>(jobs.request(guarded, 120s));
    ASSERT_EQ(stopped.stopped_by, "canary");
    ASSERT_EQ(stopped.state, protocol::job_state::cancelled);
    expect_reply<protocol::job_result>(
        jobs.request(submit_of("plain", "show version", router_names(1, 10)), 120s));

    const auto end_line = watch.wait_for_line("job guarded ", 30s);
    EXPECT_EQ(end_line.rfind("job guarded cancelled in ", 0), 0u) << end_line;
    EXPECT_NE(end_line.find(", stopped by canary: 10 routers"), std::string::npos) << end_line;
    watch.wait_for_line("job plain done in ", 30s);
    EXPECT_EQ(std::count_if(watch.lines().begin(), watch.lines().end(),
                            [](const std::string& l) { return l.find("stopped by") != l.npos; }),
              1)
        << "only the guarded job was stopped";
    EXPECT_EQ(watch.stop(SIGINT), 0);

    auto table = ctl(setup.daemon, {"jobs"});
    EXPECT_EQ(table.code, 0) << table.text();
    EXPECT_NE(table.text().find("guarded  stopped (canary)"), std::string::npos) << table.text();
    EXPECT_NE(table.text().find("plain    done"), std::string::npos) << table.text();

    auto listed = ctl(setup.daemon, {"jobs", "--json", "--limit", "2"});
    ASSERT_EQ(listed.code, 0) << listed.text();
    const auto reply = json::parse(listed.text());
    ASSERT_EQ(reply.at("jobs").size(), 2u) << listed.text();
    const auto& plain = reply.at("jobs").at(0);
    const auto& stopped_entry = reply.at("jobs").at(1);
    EXPECT_EQ(stopped_entry.at("job_id"), "guarded");
    EXPECT_EQ(stopped_entry.at("state"), "cancelled");
    EXPECT_EQ(stopped_entry.at("stopped_by"), "canary");
    EXPECT_EQ(stopped_entry.at("requested_by"), "CHG-1234");
    EXPECT_EQ(stopped_entry.at("submitted_by"), "local") << "no CURVE: the local principal";
    EXPECT_EQ(plain.at("job_id"), "plain");
    EXPECT_FALSE(plain.contains("stopped_by")) << listed.text();
    EXPECT_FALSE(plain.contains("requested_by")) << listed.text();

    // r3..r10 never started in `guarded`: each says why, as a failure would.
    auto diff = ctl(setup.daemon, {"diff", "guarded", "plain"});
    EXPECT_EQ(diff.code, 1) << "the jobs differ\n" << diff.text();
    // One group per router: each one's output names it.
    for (int i = 3; i <= 10; ++i) {
        const auto heading = "\nr" + std::to_string(i) +
                             " (1)  [show version]  cancelled (stopped: not started: the canary "
                             "failed (router r2 failed, one of the first 2 routers; canary=2)) -> "
                             "ok\n";
        EXPECT_NE(diff.text().find(heading), std::string::npos) << heading << "in\n" << diff.text();
    }
    EXPECT_NE(diff.text().find("8 changed, 2 unchanged"), std::string::npos) << diff.text();
}
