// fanoutctl's Lazy Pirate retries: a request that gets no reply in time is sent again,
// identical (same generated job_id), on a fresh connection. Synchronised on fanoutctl's own
// "retrying" line, never on a sleep.
#include <gtest/gtest.h>

#include "tests/support/pool_harness.hpp"

using namespace fanout::testing;
namespace protocol = fanout::protocol;

namespace {

// "fanoutctl: job J accepted by node N (control: E)" -> J
std::string job_id_of(const std::string& line) {
    auto from = line.find("job ") + 4;
    return line.substr(from, line.find(' ', from) - from);
}

std::size_t kept_results(const std::string& endpoint, const std::string& id) {
    client jobs(endpoint);
    protocol::replay_request request;
    request.job_id = id;
    return expect_reply<protocol::replay_reply>(jobs.request(request)).results.size();
}

}  // namespace

// fanoutd is not running when fanoutctl sends its submit; it starts only once fanoutctl said it
// is retrying. Without the retry fanoutctl would have given up (exit 3) after one timeout.
TEST(fanoutctl_retry, a_submit_without_reply_is_sent_again_and_the_late_daemon_runs_it_once) {
    temp_dir dir;
    fleet routers(dir, 2, {"--latency-ms", "5"});
    // The endpoints fanoutd_process binds in `dir`.
    const std::string jobs = "ipc://" + dir.file("jobs.sock");
    const std::string results = "ipc://" + dir.file("results.sock");
    child_process ctl(
        {FANOUTCTL_BIN, "--jobs", jobs, "--results", results, "--request-timeout", "1", "--retries",
         "100", "run", "-r", "r1,r2", "--no-progress", "show version"},
        child_process::capture::stderr_stream);
    ctl.wait_for_line("retrying on a fresh connection (attempt 2 of 101)", 30s);
    fanoutd_process daemon(dir, routers.devices_json(), routers.known_hosts());
    ASSERT_EQ(daemon.jobs(), jobs);
    auto line = ctl.wait_for_line("accepted by node", 120s);
    ctl.drain(60s);
    EXPECT_EQ(ctl.wait(30s), 0);
    auto id = job_id_of(line);
    EXPECT_EQ(id.rfind("ctl-", 0), 0u) << "fanoutctl generates the job_id: " << line;
    EXPECT_EQ(kept_results(daemon.jobs(), id), 2u);
}

TEST(fanoutctl_retry, without_retries_no_reply_is_exit_3_after_one_attempt) {
    temp_dir dir;
    child_process ctl({FANOUTCTL_BIN, "--jobs", "ipc://" + dir.file("nobody.sock"), "--retries",
                       "0", "--request-timeout", "0.2", "ping"},
                      child_process::capture::stderr_stream);
    ctl.drain(30s);
    EXPECT_EQ(ctl.wait(30s), 3);
    for (const auto& l : ctl.lines()) EXPECT_EQ(l.find("retrying"), std::string::npos) << l;
}

// The first attempt is not lost but late: it waits in the pipe of a pool's only daemon, which
// is full, while fanoutctl gives up on it and resends. Once the daemon has room it reads both:
// it accepts the first (whose reply has nowhere to go: that socket is closed) and answers the
// resend as the same job instead of duplicate_job. fanoutctl succeeds; the job ran once.
TEST(fanoutctl_retry, a_late_first_attempt_and_its_resend_are_one_job) {
    temp_dir dir;
    fleet routers(dir, 6, {"--latency-ms", "5", "--fault", "r6=hang_after_auth"});
    proxy_process proxy(dir, {}, true);
    pool_member only(proxy, routers, {"--workers", "4", "--max-queued-jobs", "1"});
    client direct(only.jobs());
    {
        client via_proxy(proxy.jobs());  // the proxy's DEALER is connected to the daemon
        expect_reply<protocol::job_result>(
            via_proxy.request(submit_of("warm", "show version", {"r1"}, true), 60s));
    }
    expect_reply<protocol::accepted_reply>(
        direct.request(submit_of("hog", "show version", {"r6"}, false, 120.0)));

    child_process ctl({FANOUTCTL_BIN, "--jobs", proxy.jobs(), "--results", proxy.results(),
                       "--request-timeout", "1", "--retries", "100", "run", "--job-id", "lazy",
                       "-r", "r1,r2", "--no-progress", "show version"},
                      child_process::capture::stderr_stream);
    ctl.wait_for_line("retrying on a fresh connection", 60s);
    EXPECT_EQ(expect_error(direct.request(protocol::status_request{"lazy"})).code,
              protocol::error_code::not_found)
        << "the daemon read the submit while it was full";
    expect_reply<protocol::status_reply>(direct.request(protocol::cancel_request{"hog"}));
    ctl.wait_for_line("job lazy accepted by node", 120s);
    ctl.drain(60s);
    EXPECT_EQ(ctl.wait(30s), 0);
    for (const auto& l : ctl.lines()) EXPECT_EQ(l.find("duplicate_job"), std::string::npos) << l;
    EXPECT_EQ(kept_results(only.jobs(), "lazy"), 2u);
}
