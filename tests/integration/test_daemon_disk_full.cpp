// A full disk under --state-dir (issue 10, finding 16): a job whose results cannot be written is
// not reported ended; it ends with all its results once there is room again, and after a
// kill -9 and a restart it comes back exactly as it was reported. Stopped while the disk is
// full, fanoutd still exits, reporting nothing it could not write. The state directory is a
// small tmpfs mounted for the test (needs root: skipped otherwise) and filled with a file.
#include <gtest/gtest.h>

#include <fcntl.h>
#include <signal.h>
#include <sys/mount.h>
#include <unistd.h>

#include <filesystem>

#include "tests/support/disk_full.hpp"
#include "tests/support/fanout_harness.hpp"

using namespace fanout::testing;
using fanout::protocol::job_result;
using fanout::protocol::job_state;
using fanout::protocol::router_status;
using fanout::protocol::status_reply;

namespace {

constexpr int routers = 10;

// A fanoutd whose log (stderr) the test reads.
std::unique_ptr<child_process> start_fanoutd(const temp_dir& dir, fleet& routers_served,
                                             const std::string& state_dir,
                                             std::vector<std::string> extra = {}) {
    std::vector<std::string> argv{FANOUTD_BIN,
                                  "--inventory",
                                  routers_served.devices_json(),
                                  "--known-hosts",
                                  routers_served.known_hosts(),
                                  "--jobs",
                                  "ipc://" + dir.file("jobs.sock"),
                                  "--results",
                                  "ipc://" + dir.file("results.sock"),
                                  "--state-dir",
                                  state_dir,
                                  "--workers",
                                  "16"};
    argv.insert(argv.end(), extra.begin(), extra.end());
    auto daemon = std::make_unique<child_process>(argv, child_process::capture::stderr_stream);
    client probe("ipc://" + dir.file("jobs.sock"));
    expect_reply<fanout::protocol::pong_reply>(probe.request(fanout::protocol::ping_request{}));
    return daemon;
}

// Asks until `done` holds for the reply; every wait is a request answered, none a sleep.
template <typename Reply, typename Request, typename Done>
Reply ask_until(client& jobs, const Request& request, Done done,
                std::chrono::seconds timeout = 60s) {
    auto deadline = std::chrono::steady_clock::now() + timeout;
    for (;;) {
        auto reply = expect_reply<Reply>(jobs.request(request));
        if (done(reply)) return reply;
        if (std::chrono::steady_clock::now() > deadline)
            throw std::runtime_error("condition not reached in time");
    }
}

// Submits job `full` on every router, fills the disk once every router has started (their
// answers take seconds), and returns the job's status once all their results are recorded.
status_reply fill_under_a_running_job(const small_tmpfs& state, const temp_dir& dir, client& jobs,
                                      child_process& daemon) {
    expect_reply<fanout::protocol::accepted_reply>(
        jobs.request(submit_of("full", "show version", router_names(1, routers), false)));
    // Every router's start is durable before its worker counts as busy.
    ask_until<fanout::protocol::pong_reply>(
        jobs, fanout::protocol::ping_request{},
        [](const auto& p) { return p.busy_workers == routers; });
    state.fill(dir.file("state/filler"));
    daemon.wait_for_line("No space left on device", 60s);
    return ask_until<status_reply>(jobs, fanout::protocol::status_request{"full"},
                                   [](const auto& s) { return s.completed == routers; });
}

// Long enough that every router has started before the disk is filled, and answers after;
// 16 KiB per answer, so that no result fits in what is left of the journal's last page.
const std::vector<std::string> slow_big_answers{"--latency-ms",  "4000",         "--fault-every",
                                                "1:huge_output", "--huge-bytes", "16384"};

}  // namespace

TEST(DaemonDiskFull, AJobEndsOnlyWithItsResultsWrittenAndARestartKeepsThemAsReported) {
    temp_dir dir;
    small_tmpfs state(dir.file("state"), "4m");
    if (!state.mounted()) GTEST_SKIP() << "mounting a tmpfs needs root";
    fleet routers_served(dir, routers, slow_big_answers);
    job_result reported;
    {
        auto daemon = start_fanoutd(dir, routers_served, dir.file("state"));
        client jobs("ipc://" + dir.file("jobs.sock"));
        subscriber results("ipc://" + dir.file("results.sock"), "job.full");
        results.sync(jobs, "r1");
        auto held = fill_under_a_running_job(state, dir, jobs, *daemon);
        EXPECT_EQ(held.state, job_state::running)
            << "the job was reported ended while its results were not in the journal";
        auto refused = jobs.request(submit_of("refused", "show version", {"r1"}, false));
        auto* busy = std::get_if<fanout::protocol::error_reply>(&refused);
        EXPECT_TRUE(busy && busy->code == fanout::protocol::error_code::busy)
            << "a job was accepted that the journal cannot hold";

        std::filesystem::remove(dir.file("state/filler"));  // room again
        results.until_job_result("full", reported, 60s);
        EXPECT_EQ(reported.summary.successful, static_cast<std::uint64_t>(routers));
        EXPECT_EQ(daemon->stop(SIGKILL), 128 + SIGKILL);
    }
    auto daemon = start_fanoutd(dir, routers_served, dir.file("state"));
    client jobs("ipc://" + dir.file("jobs.sock"));
    auto after = expect_reply<job_result>(jobs.request(fanout::protocol::result_request{"full"}));
    EXPECT_EQ(after.summary.successful, static_cast<std::uint64_t>(routers));
    ASSERT_EQ(after.results.size(), reported.results.size());
    for (std::size_t i = 0; i < after.results.size(); ++i) {
        EXPECT_EQ(after.results[i].status, router_status::success) << after.results[i].router_name;
        EXPECT_EQ(after.results[i].seq, reported.results[i].seq) << after.results[i].router_name;
        EXPECT_TRUE(after.results[i].output == reported.results[i].output)  // 16 KiB each
            << after.results[i].router_name;
    }
}

// Stopped while the disk is still full, fanoutd gives up on the journal after the grace period
// instead of hanging, reports nothing it could not write, and the next start resumes the job
// from what the journal holds: its routers had started, so they come back interrupted.
TEST(DaemonDiskFull, ShutdownWithTheDiskStillFullEndsAndReportsNothingUnwritten) {
    temp_dir dir;
    small_tmpfs state(dir.file("state"), "4m");
    if (!state.mounted()) GTEST_SKIP() << "mounting a tmpfs needs root";
    fleet routers_served(dir, routers, slow_big_answers);
    {
        auto daemon =
            start_fanoutd(dir, routers_served, dir.file("state"), {"--shutdown-grace", "1"});
        client jobs("ipc://" + dir.file("jobs.sock"));
        fill_under_a_running_job(state, dir, jobs, *daemon);
        EXPECT_EQ(daemon->stop(SIGTERM, 60s), 0);
        daemon->drain();  // every line it logged
        bool gave_up = false;
        for (const auto& line : daemon->lines())
            gave_up = gave_up || line.find("they are not published") != std::string::npos;
        EXPECT_TRUE(gave_up);
    }
    std::filesystem::remove(dir.file("state/filler"));
    auto daemon = start_fanoutd(dir, routers_served, dir.file("state"));
    client jobs("ipc://" + dir.file("jobs.sock"));
    auto after = expect_reply<job_result>(jobs.request(fanout::protocol::result_request{"full"}));
    EXPECT_EQ(after.summary.failed, static_cast<std::uint64_t>(routers));
    for (const auto& r : after.results) {
        ASSERT_TRUE(r.error) << r.router_name;
        EXPECT_EQ(r.error->kind, fanout::protocol::error_kind::interrupted) << r.router_name;
    }
}
