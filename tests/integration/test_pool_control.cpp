// Control requests in a pool: a job submitted through fanout-proxy is answered with the owning
// daemon's `node` and `control_endpoint`; status, result and cancel sent to that endpoint
// work, the other daemons do not know the job, and every result published through the proxy
// names the same node. fanoutctl run through the proxy follows the owner by itself.
#include <gtest/gtest.h>

#include <map>
#include <set>

#include "daemon/config.hpp"
#include "tests/support/pool_harness.hpp"

using namespace fanout::testing;
namespace protocol = fanout::protocol;

namespace {

constexpr int pool_size = 3;

class pool_control : public ::testing::Test {
  protected:
    void SetUp() override {
        for (int i = 0; i < pool_size; ++i)
            members.push_back(
                std::make_unique<pool_member>(proxy, routers, args{"--workers", "4"}));
    }

    // The member whose own endpoint is `endpoint`; -1 if none.
    int member_at(const std::string& endpoint) const {
        for (int i = 0; i < pool_size; ++i)
            if (members[i]->jobs() == endpoint) return i;
        return -1;
    }

    // Submits through the proxy until every daemon took a job, so the proxy spreads over all.
    std::map<int, protocol::accepted_reply> one_job_per_daemon(client& via_proxy) {
        std::map<int, protocol::accepted_reply> owners;
        for (int n = 0; n < 200 && owners.size() < pool_size; ++n) {
            auto accepted = expect_reply<protocol::accepted_reply>(via_proxy.request(
                submit_of("spread-" + std::to_string(n), "show version", {"r1", "r2"}, false)));
            int owner = member_at(accepted.control_endpoint);
            EXPECT_GE(owner, 0) << accepted.control_endpoint << " is no daemon's endpoint";
            owners.emplace(owner, accepted);
        }
        return owners;
    }

    temp_dir dir;
    fleet routers{dir, 6, {"--latency-ms", "20", "--fault", "r6=hang_after_auth"}};
    proxy_process proxy{dir};
    std::vector<std::unique_ptr<pool_member>> members;
};

TEST_F(pool_control, replies_name_the_owner_and_its_endpoint_answers_control_requests) {
    std::set<std::string> nodes;
    for (auto& m : members) {
        client direct(m->jobs());
        auto pong = expect_reply<protocol::pong_reply>(direct.request(protocol::ping_request{}));
        EXPECT_EQ(pong.control_endpoint, m->jobs());
        nodes.insert(pong.node);
    }
    EXPECT_EQ(nodes.size(), std::size_t(pool_size)) << "two daemons share a default node id";

    subscriber watcher(proxy.results(), "");
    for (auto& m : members) {
        client direct(m->jobs());
        watcher.sync(direct, "r1");
    }
    client via_proxy(proxy.jobs());
    auto owners = one_job_per_daemon(via_proxy);
    ASSERT_EQ(owners.size(), std::size_t(pool_size));
    // What the proxy's subscribers see of these jobs, read in one pass (they run at once).
    std::map<std::string, protocol::job_result> published;
    std::map<std::string, std::vector<protocol::router_result>> published_results;
    for (const auto& [owner, accepted] : owners) published_results[accepted.job_id];
    auto deadline = std::chrono::steady_clock::now() + 60s;
    while (published.size() < owners.size() && std::chrono::steady_clock::now() < deadline) {
        auto m = watcher.next(5s);
        if (!m) continue;
        if (auto* r = std::get_if<protocol::router_result>(&*m)) {
            if (published_results.count(r->job_id)) published_results[r->job_id].push_back(*r);
        } else if (auto& j = std::get<protocol::job_result>(*m);
                   published_results.count(j.job_id)) {
            published[j.job_id] = j;
        }
    }
    ASSERT_EQ(published.size(), owners.size()) << "aggregates missing on the proxy's PUB";

    for (const auto& [owner, accepted] : owners) {
        SCOPED_TRACE(accepted.job_id);
        client control(accepted.control_endpoint);
        auto status = expect_reply<protocol::status_reply>(
            control.request(protocol::status_request{accepted.job_id}));
        EXPECT_EQ(status.node, accepted.node);
        EXPECT_EQ(status.control_endpoint, accepted.control_endpoint);
        for (int i = 0; i < pool_size; ++i) {
            if (i == owner) continue;
            client other(members[i]->jobs());
            EXPECT_EQ(expect_error(other.request(protocol::status_request{accepted.job_id})).code,
                      protocol::error_code::not_found);
        }
        // Everything the proxy's subscribers see of the job names the owner.
        const auto& aggregate = published[accepted.job_id];
        EXPECT_EQ(aggregate.node, accepted.node);
        EXPECT_EQ(aggregate.control_endpoint, accepted.control_endpoint);
        for (const auto& r : aggregate.results) EXPECT_EQ(r.node, accepted.node);
        for (const auto& r : published_results[accepted.job_id])
            EXPECT_EQ(r.node, accepted.node) << r.router_name;
        auto fetched = expect_reply<protocol::job_result>(
            control.request(protocol::result_request{accepted.job_id}));
        EXPECT_EQ(fetched.node, accepted.node);
        ASSERT_EQ(fetched.results.size(), 2u);
        for (const auto& r : fetched.results) EXPECT_EQ(r.node, accepted.node);
    }

    // A job that would run for a minute: cancelled at its owner's endpoint.
    auto hanging = expect_reply<protocol::accepted_reply>(
        via_proxy.request(submit_of("hang", "show version", {"r6"}, false, 60.0)));
    ASSERT_GE(member_at(hanging.control_endpoint), 0);
    client control(hanging.control_endpoint);
    auto cancelled =
        expect_reply<protocol::status_reply>(control.request(protocol::cancel_request{"hang"}));
    EXPECT_EQ(cancelled.node, hanging.node);
    protocol::job_result aggregate;
    watcher.until_job_result("hang", aggregate, 60s);
    EXPECT_EQ(aggregate.state, protocol::job_state::cancelled);
    EXPECT_EQ(aggregate.node, hanging.node);
}

TEST_F(pool_control, fanoutctl_run_through_the_proxy_asks_the_owner) {
    client via_proxy(proxy.jobs());
    ASSERT_EQ(one_job_per_daemon(via_proxy).size(), std::size_t(pool_size));
    // With three daemons, a run that polled `result` through the proxy would hit a daemon
    // that does not know its job two times in three; every run here must succeed.
    for (int run = 0; run < 4; ++run) {
        child_process ctl({FANOUTCTL_BIN, "--jobs", proxy.jobs(), "--results", proxy.results(),
                           "run", "-r", "r1,r2", "--no-progress", "show version"},
                          child_process::capture::stderr_stream);
        auto line = ctl.wait_for_line("accepted by node", 60s);
        auto from = line.find("(control: ") + 10;
        EXPECT_GE(member_at(line.substr(from, line.find(')', from) - from)), 0) << line;
        ctl.drain(60s);
        EXPECT_EQ(ctl.wait(30s), 0) << "run " << run;
    }
}

std::variant<fanout::daemon::config, int> parse_daemon_args(std::vector<std::string> args) {
    args.insert(args.begin(), "fanoutd");
    std::vector<char*> argv;
    for (auto& a : args) argv.push_back(a.data());
    return fanout::daemon::parse_command_line(static_cast<int>(argv.size()), argv.data());
}

TEST(pool_options, node_id_and_advertise_endpoint_defaults_and_checks) {
    auto defaults =
        std::get<fanout::daemon::config>(parse_daemon_args({"--jobs", "tcp://10.0.0.5:5571"}));
    EXPECT_EQ(defaults.advertise_endpoint, "tcp://10.0.0.5:5571");
    EXPECT_EQ(defaults.node_id.substr(defaults.node_id.find(':')), ":10.0.0.5:5571");
    EXPECT_EQ(defaults.node_id, fanout::daemon::default_node_id("tcp://10.0.0.5:5571"))
        << "the default must not change between two starts";
    for (const char* wildcard : {"tcp://*:5555", "tcp://0.0.0.0:5555", "tcp://[::]:5555"})
        EXPECT_EQ(fanout::daemon::default_advertise_endpoint(wildcard), "") << wildcard;
    auto given = std::get<fanout::daemon::config>(
        parse_daemon_args({"--jobs", "tcp://*:5555", "--node-id", "core1-a", "--advertise-endpoint",
                           "tcp://h:5555"}));
    EXPECT_EQ(given.node_id, "core1-a");
    EXPECT_EQ(given.advertise_endpoint, "tcp://h:5555");
    EXPECT_EQ(std::get<int>(parse_daemon_args({"--node-id", "has blank"})), 2);
    EXPECT_EQ(std::get<int>(parse_daemon_args({"--node-id", std::string(300, 'n')})), 2);
}

}  // namespace
