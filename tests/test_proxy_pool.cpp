// A fanoutd pool behind fanout-proxy: one fleetsim, one proxy, three daemons connected to it
// (--jobs-connect, --results-connect). Clients and subscribers talk to the proxy only.
// Which daemon ran a job is asked of each daemon directly on its own --jobs endpoint:
// exactly one (the owner) knows the job, the others answer not_found.
#include <gtest/gtest.h>

#include <iostream>
#include <map>
#include <set>

#include "tests/support/pool_harness.hpp"

using namespace fanout::testing;
namespace protocol = fanout::protocol;

namespace {

constexpr int pool_size = 3;

class proxy_pool : public ::testing::Test {
  protected:
    void SetUp() override {
        for (int i = 0; i < pool_size; ++i)
            members.push_back(
                std::make_unique<pool_member>(proxy, routers, args{"--workers", "4"}));
        direct.resize(pool_size);
        for (int i = 0; i < pool_size; ++i)
            direct[i] = std::make_unique<client>(members[i]->jobs());
    }

    // The index of the one daemon that knows `job_id`; -1 when none or several do.
    int owner_of(const std::string& job_id) {
        int owner = -1;
        for (int i = 0; i < pool_size; ++i) {
            auto reply = direct[i]->request(protocol::status_request{job_id}, 10s);
            if (std::holds_alternative<protocol::status_reply>(reply)) {
                if (owner != -1) return -1;
                owner = i;
            } else {
                EXPECT_EQ(expect_error(reply).code, protocol::error_code::not_found);
            }
        }
        return owner;
    }

    // Jobs submitted through the proxy until every daemon owns one: the proxy's DEALER has a
    // pipe to each (round robin only spreads over connected daemons).
    void wait_until_every_daemon_takes_jobs(client& via_proxy) {
        std::set<int> seen;
        for (int n = 0; n < 200 && seen.size() < pool_size; ++n) {
            auto id = "warm-" + std::to_string(n);
            expect_reply<protocol::job_result>(
                via_proxy.request(submit_of(id, "show version", {"r1"}, true)));
            seen.insert(owner_of(id));
        }
        ASSERT_EQ(seen, (std::set<int>{0, 1, 2}));
    }

    temp_dir dir;
    fleet routers{dir, 6, {"--latency-ms", "20"}};
    proxy_process proxy{dir};
    std::vector<std::unique_ptr<pool_member>> members;
    std::vector<std::unique_ptr<client>> direct;  // each daemon's own endpoint
};

// Reads from `sub` until every id in `wanted` has its aggregate; fails on a second aggregate.
std::map<std::string, protocol::job_result> aggregates_of(subscriber& sub,
                                                          const std::set<std::string>& wanted) {
    std::map<std::string, protocol::job_result> got;
    auto deadline = std::chrono::steady_clock::now() + 120s;
    while (got.size() < wanted.size() && std::chrono::steady_clock::now() < deadline) {
        auto m = sub.next(5s);
        if (!m) continue;
        auto* j = std::get_if<protocol::job_result>(&*m);
        if (!j || !wanted.count(j->job_id)) continue;
        EXPECT_TRUE(got.emplace(j->job_id, *j).second) << "aggregate twice: " << j->job_id;
    }
    return got;
}

TEST_F(proxy_pool, jobs_through_the_proxy_spread_over_three_daemons_and_reach_every_subscriber) {
    client via_proxy(proxy.jobs());
    wait_until_every_daemon_takes_jobs(via_proxy);
    subscriber first(proxy.results(), "job."), second(proxy.results(), "job.");
    for (int i = 0; i < pool_size; ++i) {  // each daemon's PUB -> proxy -> subscriber is live
        first.sync(*direct[i], "r1");
        second.sync(*direct[i], "r1");
    }

    std::set<std::string> ids;
    for (int n = 0; n < 60; ++n) {
        auto id = "pool-" + std::to_string(n);
        auto routers_of_job = router_names(1 + n % 5, 2 + n % 5);  // two routers each
        auto& accepted = expect_reply<protocol::accepted_reply>(
            via_proxy.request(submit_of(id, "show version", routers_of_job, false)));
        EXPECT_EQ(accepted.job_id, id);
        ids.insert(id);
    }

    for (auto* sub : {&first, &second}) {
        auto got = aggregates_of(*sub, ids);
        ASSERT_EQ(got.size(), ids.size());
        for (const auto& [id, aggregate] : got) {
            EXPECT_EQ(aggregate.state, protocol::job_state::done) << id;
            ASSERT_EQ(aggregate.results.size(), 2u) << id;
            std::set<std::string> routers_seen;
            for (const auto& r : aggregate.results) {
                EXPECT_EQ(r.status, protocol::router_status::success) << id << " " << r.router_name;
                EXPECT_TRUE(routers_seen.insert(r.router_name).second)
                    << "duplicate result in " << id;
            }
        }
    }

    std::vector<int> spread(pool_size, 0);
    for (const auto& id : ids) {
        int owner = owner_of(id);
        ASSERT_GE(owner, 0) << id << " is owned by no daemon or by several";
        ++spread[owner];
    }
    std::cout << "job spread per daemon: " << spread[0] << " " << spread[1] << " " << spread[2]
              << "\n";
    for (int i = 0; i < pool_size; ++i) EXPECT_GT(spread[i], 0) << "daemon " << i << " idle";
}

}  // namespace
