// Idempotent submit, end to end: a job_id submitted again with the same content gets the first
// answer (`accepted` with the same fields, or with `wait: true` the job_result) and runs
// nothing again; other content is duplicate_job. It survives kill -9 and restarts on the same
// --state-dir, through both journal paths (a job traced record by record, then the compacted
// snapshot the restart wrote). Replies and results name the node, the same after a restart.
#include <gtest/gtest.h>

#include <signal.h>

#include "tests/support/fanout_harness.hpp"

using namespace fanout::testing;
namespace protocol = fanout::protocol;
using protocol::accepted_reply;
using protocol::job_result;

namespace {

// r4 never answers after auth: a job on it stays active until its timeout or a cancel.
std::vector<std::string> fleet_args() {
    return {"--latency-ms", "5", "--fault", "r4=hang_after_auth"};
}

void expect_same_accepted(const accepted_reply& again, const accepted_reply& first) {
    EXPECT_EQ(again.job_id, first.job_id);
    EXPECT_EQ(again.total, first.total);
    EXPECT_EQ(again.node, first.node);
    EXPECT_EQ(again.control_endpoint, first.control_endpoint);
}

void expect_duplicate(const protocol::reply& r) {
    const auto& error = expect_error(r);
    EXPECT_EQ(error.code, protocol::error_code::duplicate_job) << error.message;
    EXPECT_NE(error.message.find("different content"), std::string::npos) << error.message;
}

// The job's router results the daemon keeps (replay by job_id): one per router and command
// when the job ran once.
std::size_t kept_results(client& jobs, const std::string& id) {
    protocol::replay_request request;
    request.job_id = id;
    return expect_reply<protocol::replay_reply>(jobs.request(request)).results.size();
}

}  // namespace

TEST(daemon_idempotent, same_content_answers_as_first_and_other_content_is_duplicate_job) {
    fleet_and_daemon setup(4, fleet_args());
    client jobs(setup.daemon.jobs());

    auto first = expect_reply<accepted_reply>(
        jobs.request(submit_of("idem", "show version", {"r1", "r2"}, false)));
    EXPECT_FALSE(first.node.empty());
    EXPECT_EQ(first.control_endpoint, setup.daemon.jobs());
    expect_same_accepted(expect_reply<accepted_reply>(
                             jobs.request(submit_of("idem", "show version", {"r1", "r2"}, false))),
                         first);
    // wait: true on the same job: its job_result (whether it has ended by now or not).
    auto ended = expect_reply<job_result>(
        jobs.request(submit_of("idem", "show version", {"r1", "r2"}, true)));
    EXPECT_EQ(ended.results.size(), 2u);
    EXPECT_EQ(ended.node, first.node);
    for (const auto& r : ended.results) EXPECT_EQ(r.node, first.node);
    // Once ended, the same again: accepted, then the very same job_result.
    expect_same_accepted(expect_reply<accepted_reply>(
                             jobs.request(submit_of("idem", "show version", {"r1", "r2"}, false))),
                         first);
    auto again = expect_reply<job_result>(
        jobs.request(submit_of("idem", "show version", {"r1", "r2"}, true)));
    ASSERT_EQ(again.results.size(), 2u);
    EXPECT_EQ(again.results[0].seq, ended.results[0].seq);
    EXPECT_EQ(kept_results(jobs, "idem"), 2u) << "a resubmit ran the job again";

    // Other content under the same id: routers, command, command vs commands, timeout.
    expect_duplicate(jobs.request(submit_of("idem", "show version", {"r1"}, false)));
    expect_duplicate(jobs.request(submit_of("idem", "show version", {"r2", "r1"}, false)));
    expect_duplicate(jobs.request(submit_of("idem", "show uptime", {"r1", "r2"}, false)));
    expect_duplicate(jobs.request(submit_of("idem", "show version", {"r1", "r2"}, false, 7.5)));
    auto as_list = submit_of("idem", "show version", {"r1", "r2"}, false);
    as_list.single_command = false;
    expect_duplicate(jobs.request(as_list));

    // A job still running: the resubmit is accepted, and a resubmit with wait: true is
    // answered with the job_result when the job ends (here: by a cancel).
    auto hanging = expect_reply<accepted_reply>(
        jobs.request(submit_of("idem-hang", "show version", {"r3", "r4"}, false, 120)));
    expect_same_accepted(expect_reply<accepted_reply>(jobs.request(
                             submit_of("idem-hang", "show version", {"r3", "r4"}, false, 120))),
                         hanging);
    client waiter(setup.daemon.jobs());
    waiter.send_frames({protocol::encode_request(
        submit_of("idem-hang", "show version", {"r3", "r4"}, true, 120))});
    EXPECT_FALSE(waiter.receive(300ms).has_value()) << "answered before the job ended";
    expect_reply<protocol::status_reply>(jobs.request(protocol::cancel_request{"idem-hang"}));
    auto body = waiter.receive(60s);
    ASSERT_TRUE(body.has_value()) << "the waiting resubmit got no job_result";
    auto decoded = protocol::decode_reply(*body);
    const auto& cancelled = expect_reply<job_result>(std::get<protocol::reply>(decoded));
    EXPECT_EQ(cancelled.job_id, "idem-hang");
    EXPECT_EQ(cancelled.state, protocol::job_state::cancelled);
}

TEST(daemon_idempotent, resubmit_after_kill9_and_restart_answers_as_first) {
    temp_dir dir;
    fleet routers_served(dir, 4, fleet_args());
    args daemon_args{"--state-dir", dir.file("state"), "--shutdown-grace", "0"};
    auto start = [&] {
        return std::make_unique<fanoutd_process>(dir, routers_served.devices_json(),
                                                 routers_served.known_hosts(), daemon_args);
    };
    auto done_submit = [](bool wait) {
        return submit_of("done", "show version", {"r1", "r2"}, wait);
    };
    auto cut_submit = [] { return submit_of("cut", "show version", {"r3", "r4"}, false, 300); };

    auto daemon = start();
    accepted_reply first_done, first_cut;
    job_result done_result;
    {
        client jobs(daemon->jobs());
        first_done = expect_reply<accepted_reply>(jobs.request(done_submit(false)));
        done_result = expect_reply<job_result>(jobs.request(done_submit(true)));
        first_cut = expect_reply<accepted_reply>(jobs.request(cut_submit()));
    }
    // Twice: the first restart reads the jobs record by record (accepted ... ended), and
    // writes the compacted snapshot that the second restart reads.
    for (int restart = 1; restart <= 2; ++restart) {
        SCOPED_TRACE("restart " + std::to_string(restart));
        EXPECT_EQ(daemon->process().stop(SIGKILL), 128 + SIGKILL);
        daemon.reset();
        daemon = start();
        client jobs(daemon->jobs());
        expect_same_accepted(expect_reply<accepted_reply>(jobs.request(done_submit(false))),
                             first_done);
        auto again = expect_reply<job_result>(jobs.request(done_submit(true)));
        ASSERT_EQ(again.results.size(), done_result.results.size());
        for (std::size_t i = 0; i < again.results.size(); ++i)
            EXPECT_EQ(again.results[i].seq, done_result.results[i].seq);
        expect_duplicate(jobs.request(submit_of("done", "show version", {"r1"}, false)));
        // Resumed from the journal (r4 was in flight: interrupted), still the same job.
        expect_same_accepted(expect_reply<accepted_reply>(jobs.request(cut_submit())), first_cut);
        expect_duplicate(jobs.request(submit_of("cut", "show version", {"r3", "r4"}, false, 299)));
        EXPECT_EQ(kept_results(jobs, "done"), 2u) << "a resubmit ran the job again";
        auto pong = expect_reply<protocol::pong_reply>(jobs.request(protocol::ping_request{}));
        EXPECT_EQ(pong.node, first_done.node) << "--node-id's default changed across a restart";
    }
}
