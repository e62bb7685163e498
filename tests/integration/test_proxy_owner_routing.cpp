// Through fanout-proxy, fanoutctl's status, result, cancel, diff and follow reach the daemon
// that owns the job (issue 13): two daemons behind one proxy, jobs placed on each, and every
// query made at the proxy only. Without the resends after not_found (job_query.hpp), about half
// of these reach the other daemon and fail.
#include <gtest/gtest.h>

#include <csignal>
#include <set>
#include <thread>

#include "tests/support/pool_harness.hpp"

using namespace fanout::testing;
namespace protocol = fanout::protocol;

namespace {

using ctl_run = finished_run;

class proxy_owner_routing : public ::testing::Test {
  protected:
    void SetUp() override {
        for (int i = 0; i < 2; ++i) {
            members.push_back(
                std::make_unique<pool_member>(proxy, routers, args{"--workers", "4"}));
            direct.push_back(std::make_unique<client>(members[i]->jobs()));
        }
    }

    int owner_of(const std::string& job_id) {
        int owner = -1;
        for (int i = 0; i < 2; ++i) {
            auto reply = direct[i]->request(protocol::status_request{job_id}, 10s);
            if (std::holds_alternative<protocol::status_reply>(reply)) owner = i;
        }
        return owner;
    }

    // Submits `command` on `routers` through the proxy under fresh ids until each daemon owns
    // one; returns the ids by owner.
    std::vector<std::string> one_job_per_daemon(const std::string& stem,
                                                const std::vector<std::string>& on, bool wait) {
        std::vector<std::string> ids(2);
        for (int n = 0; n < 200 && (ids[0].empty() || ids[1].empty()); ++n) {
            const auto id = stem + "-" + std::to_string(n);
            auto reply = via_proxy.request(submit_of(id, "show version", on, wait));
            if (wait)
                expect_reply<protocol::job_result>(reply);
            else
                expect_reply<protocol::accepted_reply>(reply);
            const int owner = owner_of(id);
            if (owner >= 0 && ids[owner].empty()) ids[owner] = id;
        }
        EXPECT_FALSE(ids[0].empty() || ids[1].empty()) << "a daemon took no job";
        return ids;
    }

    ctl_run ctl(std::vector<std::string> arguments) {
        std::vector<std::string> argv = {FANOUTCTL_BIN, "--jobs", proxy.jobs(), "--results",
                                         proxy.results()};
        argv.insert(argv.end(), arguments.begin(), arguments.end());
        return run_to_end(std::move(argv), child_process::capture::stdout_stream, 60s);
    }

    temp_dir dir;
    fleet routers{dir, 3, {"--fault", "r3=hang_auth"}};
    proxy_process proxy{dir};
    std::vector<std::unique_ptr<pool_member>> members;
    std::vector<std::unique_ptr<client>> direct;
    client via_proxy{proxy.jobs()};
};

TEST_F(proxy_owner_routing, status_result_and_diff_reach_each_jobs_owner) {
    const auto ended = one_job_per_daemon("ended", {"r1", "r2"}, true);
    for (int round = 0; round < 3; ++round) {
        for (const auto& id : ended) {
            auto status = ctl({"status", id});
            EXPECT_EQ(status.code, 0) << id << "\n" << status.text();
            EXPECT_NE(status.text().find("done"), std::string::npos) << status.text();
            auto result = ctl({"result", "--brief", id});
            EXPECT_EQ(result.code, 0) << id << "\n" << result.text();
            EXPECT_NE(result.text().find("r2"), std::string::npos) << result.text();
        }
    }
    // The two jobs live on different daemons; diff fetches each from its owner.
    auto diff = ctl({"diff", ended[0], ended[1]});
    EXPECT_EQ(diff.code, 0) << diff.text();
    EXPECT_NE(diff.text().find("unchanged: r[1-2] (2)"), std::string::npos) << diff.text();
}

TEST_F(proxy_owner_routing, cancel_reaches_each_jobs_owner) {
    const auto running = one_job_per_daemon("hung", {"r1", "r3"}, false);
    for (std::size_t i = 0; i < running.size(); ++i) {
        auto cancel = ctl({"cancel", running[i]});
        EXPECT_EQ(cancel.code, 1) << running[i] << "\n" << cancel.text();  // cancelled: exit 1
        EXPECT_NE(cancel.text().find("cancelled"), std::string::npos) << cancel.text();
        auto reply = direct[i]->request(protocol::status_request{running[i]}, 10s);
        EXPECT_EQ(expect_reply<protocol::status_reply>(reply).state,
                  protocol::job_state::cancelled);
    }
}

TEST_F(proxy_owner_routing, follow_reaches_each_jobs_owner) {
    // The proxy alternates strictly, so a fixed sequence of requests can land each first
    // request on its owner by parity alone: a ping through the proxy flips that parity.
    const auto shift = [&] {
        expect_reply<protocol::pong_reply>(via_proxy.request(protocol::ping_request{}));
    };
    // Ended jobs: its `jobs` lookup and `result` each find the owner.
    const auto ended = one_job_per_daemon("followed", {"r1", "r2"}, true);
    for (int round = 0; round < 4; ++round) {
        for (const auto& id : ended) {
            if (round % 2) shift();
            auto follow = ctl({"follow", "--brief", id});
            EXPECT_EQ(follow.code, 0) << id << "\n" << follow.text();
            EXPECT_NE(follow.text().find("job " + id + " done"), std::string::npos)
                << follow.text();
            EXPECT_NE(follow.text().find("\nr2 "), std::string::npos) << follow.text();
        }
    }
    // Running jobs (r3 never answers): the lookup and the `replay` of the results so far reach
    // the owner; Ctrl-C stops following.
    const auto running = one_job_per_daemon("live", {"r1", "r3"}, false);
    for (std::size_t n = 0; n < 2 * running.size(); ++n) {
        const std::size_t i = n % running.size();
        const auto& id = running[i];
        if (n >= running.size()) shift();
        const auto give_up = std::chrono::steady_clock::now() + 30s;
        while (expect_reply<protocol::status_reply>(
                   direct[i]->request(protocol::status_request{id}, 10s))
                   .completed < 1) {
            ASSERT_LT(std::chrono::steady_clock::now(), give_up) << "r1 never answered";
            std::this_thread::sleep_for(20ms);  // a poll interval, not synchronisation
        }
        child_process follow({FANOUTCTL_BIN, "--jobs", proxy.jobs(), "--results", proxy.results(),
                              "follow", "--brief", "--no-progress", id});
        EXPECT_NE(follow.wait_for_line("job " + id + " running", 30s).find("1/2 results done"),
                  std::string::npos)
            << "r1's result is on its owner";
        follow.wait_for_line("r1 ", 30s);
        EXPECT_EQ(follow.stop(SIGINT), 130);
    }
    for (std::size_t i = 0; i < running.size(); ++i)
        direct[i]->request(protocol::cancel_request{running[i]}, 10s);
}

TEST_F(proxy_owner_routing, replay_of_one_job_reaches_its_owner) {
    // Each job twice in a row: the proxy's round robin hands one of the two asks to the other
    // daemon, which does not have the job.
    const auto ended = one_job_per_daemon("replayed", {"r1", "r2"}, true);
    for (const auto& id : ended) {
        for (int ask = 0; ask < 2; ++ask) {
            auto replay = ctl({"replay", "--since", "0", "--brief", "--job", id});
            EXPECT_EQ(replay.code, 0) << id << "\n" << replay.text();
            EXPECT_NE(replay.text().find(" " + id + "  r1 "), std::string::npos) << replay.text();
            EXPECT_NE(replay.text().find(" " + id + "  r2 "), std::string::npos) << replay.text();
        }
    }
}

TEST_F(proxy_owner_routing, an_unknown_job_is_still_not_found) {
    auto status = ctl({"status", "--json", "no-such-job"});
    EXPECT_EQ(status.code, 2) << status.text();
    EXPECT_NE(status.text().find("not_found"), std::string::npos) << status.text();
}

}  // namespace
