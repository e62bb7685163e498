// Execution controls end to end (issue 14), fanoutd against fleetsim: max_parallel is never
// exceeded, measured at the fleet (fleetsim's exec_peak), while a job without it uses every
// worker; stop_after_failures and max_fail_percent on a fleet where every 10th router fails;
// a canary that fails and one that passes; fanoutctl's flags; and each control surviving a
// kill -9 with --state-dir.
#include <gtest/gtest.h>

#include <signal.h>

#include <algorithm>
#include <functional>

#include "tests/support/fanout_harness.hpp"
#include "tests/support/temp_dir.hpp"

using namespace fanout::testing;
using fanout::protocol::error_kind;
using fanout::protocol::execution_controls;
using fanout::protocol::job_result;
using fanout::protocol::job_state;
using fanout::protocol::router_result;
using fanout::protocol::router_status;
using fanout::protocol::status_reply;

namespace {

fanout::protocol::submit_request controlled(std::string id, int first, int last,
                                            execution_controls controls, bool wait = true) {
    auto submit = submit_of(std::move(id), "show version", router_names(first, last), wait);
    submit.controls = controls;
    return submit;
}

int index_of(const router_result& r) {
    return std::stoi(r.router_name.substr(1));
}

// Every cancelled result of `job` says it was stopped, with `needle` in its reason.
void expect_stopped_results(const job_result& job, const std::string& needle) {
    for (const auto& r : job.results) {
        if (r.status != router_status::cancelled) continue;
        ASSERT_TRUE(r.error) << r.router_name;
        EXPECT_EQ(r.error->kind, error_kind::stopped) << r.router_name;
        EXPECT_NE(r.error->message.find(needle), std::string::npos) << r.error->message;
    }
}

}  // namespace

TEST(execution_controls, max_parallel_is_never_exceeded_at_the_fleet) {
    // 150-250 ms per command, 16 workers: without max_parallel, many run at once.
    fleet_and_daemon setup(40, {"--latency-ms", "150", "--jitter-ms", "100"}, {"--workers", "16"});
    client jobs(setup.daemon.jobs());
    auto paced = expect_reply<job_result>(
        jobs.request(controlled("paced", 1, 40, {.max_parallel = 3}), 120s));
    EXPECT_EQ(paced.summary.successful, 40u);
    EXPECT_EQ(paced.state, job_state::done);
    const auto peak = setup.routers_served.counts().exec_peak;
    EXPECT_LE(peak, 3u) << "max_parallel 3 exceeded at the fleet";
    EXPECT_GE(peak, 2u) << "the job should have used its batch";
    // The same fleet measures more than 3 when nothing caps the job: the bound above is real.
    expect_reply<job_result>(
        jobs.request(submit_of("unpaced", "show version", router_names(1, 40)), 120s));
    EXPECT_GT(setup.routers_served.counts().exec_peak, 3u);
}

class every_tenth_fails : public ::testing::Test {
  protected:
    // 300 ms per command: a router that starts after a failing one cannot end before that
    // router's login fails, so which routers ran when a rule stopped the job is known.
    every_tenth_fails()
        : setup(100, {"--fault-every", "10:auth_fail", "--latency-ms", "300"},
                {"--workers", "16"}) {}
    fleet_and_daemon setup;
};

TEST_F(every_tenth_fails, stop_after_failures_stops_the_job_at_the_third_failure) {
    client jobs(setup.daemon.jobs());
    auto job = expect_reply<job_result>(jobs.request(
        controlled("stop3", 1, 100, {.max_parallel = 5, .stop_after_failures = 3}), 120s));
    EXPECT_EQ(job.state, job_state::cancelled);
    EXPECT_EQ(job.stopped_by, "stop_after_failures");
    EXPECT_EQ(job.summary.failed, 3u) << "r10, r20, r30; r40 never started";
    int last_run = 0, first_cancelled = 101;
    for (const auto& r : job.results) {
        if (r.status == router_status::cancelled)
            first_cancelled = std::min(first_cancelled, index_of(r));
        else
            last_run = std::max(last_run, index_of(r));
        if (r.status == router_status::failed) {
            EXPECT_EQ(index_of(r) % 10, 0) << r.router_name;
        }
    }
    EXPECT_GE(last_run, 30);
    EXPECT_LE(last_run, 34) << "at most 4 others were in flight when r30 failed";
    EXPECT_GT(first_cancelled, 30);
    EXPECT_GE(job.summary.cancelled, 66u);
    expect_stopped_results(job, "stopped by its rule stop_after_failures=3 (3 of 100 routers");
    auto status =
        expect_reply<status_reply>(jobs.request(fanout::protocol::status_request{"stop3"}));
    EXPECT_EQ(status.stopped_by, "stop_after_failures");
}

TEST_F(every_tenth_fails, max_fail_percent_stops_the_job_at_five_percent) {
    client jobs(setup.daemon.jobs());
    auto job = expect_reply<job_result>(
        jobs.request(controlled("pct5", 1, 100, {.max_parallel = 4, .max_fail_percent = 5}), 120s));
    EXPECT_EQ(job.stopped_by, "max_fail_percent");
    EXPECT_EQ(job.summary.failed, 5u);
    expect_stopped_results(job, "max_fail_percent=5 (5 of 100 routers failed, the last r50)");
    // Without a rule the same fleet runs every router: 10 fail, none is cancelled.
    auto plain = expect_reply<job_result>(
        jobs.request(submit_of("plain", "show version", router_names(1, 100)), 120s));
    EXPECT_EQ(plain.summary.failed, 10u);
    EXPECT_EQ(plain.summary.cancelled, 0u);
    EXPECT_TRUE(plain.stopped_by.empty());
}

TEST_F(every_tenth_fails, fanoutctl_flags_reach_fanoutd_and_the_summary_says_why) {
    std::vector<std::string> argv{FANOUTCTL_BIN,
                                  "--jobs",
                                  setup.daemon.jobs(),
                                  "--results",
                                  setup.daemon.results(),
                                  "run",
                                  "-r",
                                  "r[1-100]",
                                  "--brief",
                                  "--no-progress",
                                  "--max-parallel",
                                  "5",
                                  "--stop-after-failures",
                                  "2",
                                  "show",
                                  "version"};
    child_process ctl(argv);
    ctl.drain(120s);
    EXPECT_EQ(ctl.wait(60s), 1);
    const auto& lines = ctl.lines();
    auto has = [&](const std::string& needle) {
        return std::any_of(lines.begin(), lines.end(), [&](const std::string& l) {
            return l.find(needle) != std::string::npos;
        });
    };
    EXPECT_TRUE(has("stopped by  its rule stop_after_failures")) << lines.size();
    EXPECT_TRUE(has("stopped: not started: the job was stopped by its rule stop_after_failures=2"));
    // A bad value is refused before anything is sent.
    child_process bad({FANOUTCTL_BIN, "--jobs", setup.daemon.jobs(), "run", "-r", "r1",
                       "--max-fail-percent", "101", "show", "version"},
                      child_process::capture::stderr_stream);
    bad.drain(30s);
    EXPECT_NE(bad.wait(30s), 0);
}

TEST(execution_controls, a_failing_canary_cancels_the_rest_and_a_passing_one_releases_it) {
    // The last canary fails: the two before it were handed out first (request order), so
    // they are in flight, whatever the timing, when its failure stops the job.
    fleet_and_daemon setup(20, {"--fault", "r3=auth_fail", "--latency-ms", "50"},
                           {"--workers", "16"});
    client jobs(setup.daemon.jobs());
    auto failing =
        expect_reply<job_result>(jobs.request(controlled("bad", 1, 10, {.canary = 3}), 120s));
    EXPECT_EQ(failing.state, job_state::cancelled);
    EXPECT_EQ(failing.stopped_by, "canary");
    EXPECT_EQ(failing.results[0].status, router_status::success) << "in flight: ran normally";
    EXPECT_EQ(failing.results[1].status, router_status::success) << "in flight: ran normally";
    EXPECT_EQ(failing.results[2].status, router_status::failed);
    for (std::size_t i = 3; i < 10; ++i)
        EXPECT_EQ(failing.results[i].status, router_status::cancelled) << i;
    expect_stopped_results(failing, "the canary failed (router r3 failed, one of the first 3");

    auto passing =
        expect_reply<job_result>(jobs.request(controlled("good", 11, 20, {.canary = 2}), 120s));
    EXPECT_EQ(passing.state, job_state::done);
    EXPECT_TRUE(passing.stopped_by.empty());
    EXPECT_EQ(passing.summary.successful, 10u);
    // The canary ran alone: no other router of the job started before both canaries ended.
    const auto canary_end = std::max(passing.results[0].end_time, passing.results[1].end_time);
    for (std::size_t i = 2; i < 10; ++i)
        EXPECT_GE(passing.results[i].start_time, canary_end) << passing.results[i].router_name;
}

TEST(execution_controls, bad_values_are_refused_naming_the_field_and_its_bound) {
    fleet_and_daemon setup(2, {});
    client jobs(setup.daemon.jobs());
    auto zero = expect_error(jobs.request(controlled("z", 1, 2, {.max_parallel = 0})));
    EXPECT_EQ(zero.message,
              "max_parallel: must be an integer from 1 to max_routers_per_job "
              "(10000), got 0");
    auto pct = expect_error(jobs.request(controlled("p", 1, 2, {.max_fail_percent = 150})));
    EXPECT_EQ(pct.message, "max_fail_percent: must be an integer from 1 to 100, got 150");
}

// ---- kill -9 with --state-dir: each control holds after the restart ----

class controls_across_a_crash : public ::testing::Test {
  protected:
    // Starts a fanoutd on the shared state dir.
    std::unique_ptr<fanoutd_process> start() {
        return std::make_unique<fanoutd_process>(
            dir, routers->devices_json(), routers->known_hosts(),
            args{"--state-dir", dir.file("state"), "--workers", "8"});
    }
    // Reads `job`'s results from `sub` until `enough` of them arrived.
    static std::vector<router_result> results_until(
        subscriber& sub, std::size_t enough,
        const std::function<bool(const router_result&)>& counts = {}) {
        std::vector<router_result> seen;
        std::size_t counted = 0;
        while (counted < enough) {
            auto m = sub.next(60s);
            if (!m) throw std::runtime_error("no router_result before the kill");
            if (auto* r = std::get_if<router_result>(&*m)) {
                seen.push_back(*r);
                if (!counts || counts(*r)) ++counted;
            }
        }
        return seen;
    }
    // Restarts after a kill -9 and waits for `job`'s aggregate: published, or (a subscriber
    // may join late, and no sync job may run beside the resumed one: it would count at the
    // fleet) from `result` whenever a second passes without it.
    job_result restart_and_finish(const std::string& job) {
        auto second = start();
        client jobs(second->jobs());
        subscriber sub(second->results(), fanout::protocol::job_result_topic(job));
        const auto deadline = std::chrono::steady_clock::now() + 120s;
        while (std::chrono::steady_clock::now() < deadline) {
            auto reply = jobs.request(fanout::protocol::result_request{job});
            if (auto* ended = std::get_if<job_result>(&reply)) return *ended;
            if (auto m = sub.next(1s))
                if (auto* ended = std::get_if<job_result>(&*m)) return *ended;
        }
        throw std::runtime_error("job " + job + " did not end after the restart");
    }
    temp_dir dir;
    std::unique_ptr<fleet> routers;
};

TEST_F(controls_across_a_crash, a_job_stopped_by_its_rule_stays_stopped) {
    // r1 never answers its command, so it is in flight at the kill; r2, handed out after it,
    // fails at once.
    routers = std::make_unique<fleet>(
        dir, 10, args{"--fault", "r1=hang_auth", "--fault", "r2=auth_fail", "--latency-ms", "10"});
    {
        auto first = start();
        client jobs(first->jobs());
        subscriber sub(first->results(), "result.stop1.");
        sub.sync(jobs, "r3");
        expect_reply<fanout::protocol::accepted_reply>(jobs.request(
            controlled("stop1", 1, 10, {.max_parallel = 2, .stop_after_failures = 1}, false)));
        // r2's failure, then r3..r10 cancelled by the rule: 9 results, r1 still running.
        results_until(sub, 9);
        EXPECT_EQ(first->process().stop(SIGKILL), 128 + SIGKILL);
    }
    auto job = restart_and_finish("stop1");
    EXPECT_EQ(job.state, job_state::cancelled);
    EXPECT_EQ(job.stopped_by, "stop_after_failures");
    ASSERT_TRUE(job.results[0].error);
    EXPECT_EQ(job.results[0].error->kind, error_kind::interrupted);
    EXPECT_EQ(job.summary.successful, 0u) << "nothing ran after the restart";
    expect_stopped_results(job, "stop_after_failures=1 (1 of 10 routers failed, the last r2)");
}

TEST_F(controls_across_a_crash, a_failed_canary_stays_failed) {
    routers = std::make_unique<fleet>(
        dir, 10, args{"--fault", "r1=auth_fail", "--slow-every", "2:20000", "--latency-ms", "10"});
    {
        auto first = start();
        client jobs(first->jobs());
        subscriber sub(first->results(), "result.canary.");
        sub.sync(jobs, "r3");
        expect_reply<fanout::protocol::accepted_reply>(
            jobs.request(controlled("canary", 1, 10, {.canary = 2}, false)));
        results_until(sub, 9);  // r1 failed, r3..r10 cancelled; r2 (slow) in flight
        EXPECT_EQ(first->process().stop(SIGKILL), 128 + SIGKILL);
    }
    auto job = restart_and_finish("canary");
    EXPECT_EQ(job.stopped_by, "canary");
    EXPECT_EQ(job.summary.successful, 0u);
    expect_stopped_results(job, "the canary failed (router r1 failed");
}

TEST_F(controls_across_a_crash, max_parallel_holds_after_the_restart) {
    routers = std::make_unique<fleet>(dir, 30, args{"--latency-ms", "200", "--jitter-ms", "100"});
    {
        auto first = start();
        client jobs(first->jobs());
        subscriber sub(first->results(), "result.paced.");
        sub.sync(jobs, "r1");
        expect_reply<fanout::protocol::accepted_reply>(
            jobs.request(controlled("paced", 1, 30, {.max_parallel = 2}, false)));
        results_until(sub, 4);
        EXPECT_EQ(first->process().stop(SIGKILL), 128 + SIGKILL);
    }
    // The killed daemon's commands end at the fleet (within a latency) before the next one
    // starts, so that the peak below is the restarted daemon's alone.
    const auto deadline = std::chrono::steady_clock::now() + 30s;
    while (routers->counts().exec_running > 0)
        ASSERT_LT(std::chrono::steady_clock::now(), deadline) << "the fleet still answers";
    auto job = restart_and_finish("paced");
    EXPECT_EQ(job.state, job_state::done);
    EXPECT_GE(job.summary.successful, 26u) << "the rest ran after the restart";
    EXPECT_LE(routers->counts().exec_peak, 2u) << "8 workers, but max_parallel 2 came back";
}

TEST_F(controls_across_a_crash, a_stop_rule_keeps_counting_failures_from_before_the_crash) {
    // Every 5th router fails; 8 workers, max_parallel 1: one router at a time.
    routers = std::make_unique<fleet>(dir, 20,
                                      args{"--fault-every", "5:auth_fail", "--latency-ms", "100"});
    {
        auto first = start();
        client jobs(first->jobs());
        subscriber sub(first->results(), "result.count.");
        sub.sync(jobs, "r1");
        expect_reply<fanout::protocol::accepted_reply>(jobs.request(
            controlled("count", 1, 20, {.max_parallel = 1, .stop_after_failures = 2}, false)));
        // Until r5 failed: one failure before the crash.
        results_until(sub, 1, [](const router_result& r) { return r.router_name == "r5"; });
        EXPECT_EQ(first->process().stop(SIGKILL), 128 + SIGKILL);
    }
    auto job = restart_and_finish("count");
    EXPECT_EQ(job.stopped_by, "stop_after_failures");
    // r5's failure counted after the restart: the next failed router (r10, or r6 when it was
    // in flight at the kill and so `interrupted`) is the second and last, and everything after
    // it was cancelled. Had the count restarted at 0, a third router would have failed.
    EXPECT_EQ(job.summary.failed, 2u);
    int failures = 0;
    for (const auto& r : job.results) {
        if (failures == 2) {
            EXPECT_EQ(r.status, router_status::cancelled) << r.router_name;
        }
        if (r.status == router_status::failed) ++failures;
    }
    EXPECT_GE(job.summary.cancelled, 10u);
}
