// `fanoutctl jobs` through fanout-proxy lists the whole pool (session 9): three daemons behind
// one proxy, jobs submitted through it so that each daemon owns some, and `jobs` at the proxy
// lists every job once, with the node that has it, newest first, the limit on the merged list,
// `matched` summed. A daemon's own endpoint still lists its own jobs only, as before. Entries
// carry the job's `deadline`. Without the merge (one `jobs` request), a third of the jobs show.
#include <gtest/gtest.h>

#include <map>
#include <nlohmann/json.hpp>
#include <set>

#include "tests/support/pool_harness.hpp"

using namespace fanout::testing;
namespace protocol = fanout::protocol;
using nlohmann::json;

namespace {

class proxy_pool_jobs : public ::testing::Test {
  protected:
    static constexpr int daemons = 3;

    void SetUp() override {
        for (int i = 0; i < daemons; ++i) {
            members.push_back(
                std::make_unique<pool_member>(proxy, routers, args{"--workers", "2"}));
            direct.push_back(std::make_unique<client>(members[i]->jobs()));
            nodes.push_back(
                expect_reply<protocol::pong_reply>(direct[i]->request(protocol::ping_request{}))
                    .node);
        }
        // Ended jobs, each run to its end through the proxy; every third has a deadline.
        for (int n = 0; n < 9; ++n) {
            const auto id = "pooled-" + std::to_string(n);
            auto submit = submit_of(id, "show version", {"r1", "r2"});
            if (n % 3 == 0) submit.deadline = 30.0;
            expect_reply<protocol::job_result>(via_proxy.request(submit, 60s));
            owner[id] = node_owning(id);
        }
        std::set<std::string> owners;
        for (const auto& [id, node] : owner) owners.insert(node);
        ASSERT_EQ(owners.size(), static_cast<std::size_t>(daemons)) << "a daemon took no job";
    }

    std::string node_owning(const std::string& id) {
        std::string found;
        for (int i = 0; i < daemons; ++i)
            if (std::holds_alternative<protocol::status_reply>(
                    direct[i]->request(protocol::status_request{id}, 10s)))
                found = nodes[i];
        EXPECT_FALSE(found.empty()) << id << " is on no daemon";
        return found;
    }

    finished_run ctl(const std::string& endpoint, std::vector<std::string> arguments) {
        std::vector<std::string> argv = {FANOUTCTL_BIN, "--jobs", endpoint};
        argv.insert(argv.end(), arguments.begin(), arguments.end());
        return run_to_end(std::move(argv), child_process::capture::stdout_stream, 60s);
    }

    json jobs_json(const std::string& endpoint, std::vector<std::string> extra = {}) {
        extra.insert(extra.begin(), {"jobs", "--json"});
        auto run = ctl(endpoint, extra);
        EXPECT_EQ(run.code, 0) << run.text();
        if (run.lines.size() != 1) throw std::runtime_error("jobs --json: " + run.text());
        return json::parse(run.lines.front());
    }

    temp_dir dir;
    fleet routers{dir, 2};
    proxy_process proxy{dir};
    std::vector<std::unique_ptr<pool_member>> members;
    std::vector<std::unique_ptr<client>> direct;
    std::vector<std::string> nodes;
    client via_proxy{proxy.jobs()};
    std::map<std::string, std::string> owner;  // job id -> node
};

TEST_F(proxy_pool_jobs, jobs_at_the_proxy_lists_every_daemons_jobs_with_its_node) {
    // Twice, with a ping through the proxy in between: whichever daemon the round robin hands
    // the first request, every daemon is asked.
    for (int round = 0; round < 2; ++round) {
        if (round) expect_reply<protocol::pong_reply>(via_proxy.request(protocol::ping_request{}));
        const auto all = jobs_json(proxy.jobs());
        EXPECT_EQ(all.at("matched"), owner.size()) << all.dump();
        EXPECT_EQ(all.at("more"), false);
        EXPECT_EQ(all.at("complete"), true) << all.dump();
        EXPECT_EQ(all.at("nodes").size(), static_cast<std::size_t>(daemons)) << all.dump();
        ASSERT_EQ(all.at("jobs").size(), owner.size()) << all.dump();
        std::string previous = "9999";
        std::set<std::string> listed;
        for (const auto& job : all.at("jobs")) {
            const auto id = job.at("job_id").get<std::string>();
            listed.insert(id);
            EXPECT_EQ(job.at("node"), owner.at(id)) << id;
            const auto submitted = job.at("submitted_at").get<std::string>();
            EXPECT_LE(submitted, previous) << "newest first across daemons";
            previous = submitted;
            const bool bounded = id == "pooled-0" || id == "pooled-3" || id == "pooled-6";
            if (bounded)
                EXPECT_EQ(job.at("deadline"), 30.0) << id;
            else
                EXPECT_FALSE(job.contains("deadline")) << id;
        }
        EXPECT_EQ(listed.size(), owner.size()) << "each job once";
    }
}

TEST_F(proxy_pool_jobs, the_limit_applies_to_the_pools_list_and_the_table_names_nodes) {
    const auto newest = jobs_json(proxy.jobs(), {"--limit", "2"});
    ASSERT_EQ(newest.at("jobs").size(), 2u) << newest.dump();
    EXPECT_EQ(newest.at("jobs").at(0).at("job_id"), "pooled-8") << newest.dump();
    EXPECT_EQ(newest.at("jobs").at(1).at("job_id"), "pooled-7") << newest.dump();
    EXPECT_EQ(newest.at("matched"), owner.size());
    EXPECT_EQ(newest.at("more"), true);

    auto table = ctl(proxy.jobs(), {"jobs"});
    EXPECT_EQ(table.code, 0) << table.text();
    ASSERT_FALSE(table.lines.empty());
    EXPECT_NE(table.lines.front().find("NODE"), std::string::npos) << table.text();
    for (const auto& [id, node] : owner)
        EXPECT_TRUE(table.has(id + "  " + node)) << id << " on " << node << ":\n" << table.text();
}

TEST_F(proxy_pool_jobs, a_daemons_own_endpoint_lists_its_own_jobs_as_before) {
    const auto own = jobs_json(members[0]->jobs());
    EXPECT_FALSE(own.contains("nodes")) << "a direct daemon's reply is printed as it came";
    std::size_t mine = 0;
    for (const auto& [id, node] : owner) mine += node == nodes[0];
    EXPECT_EQ(own.at("matched"), mine) << own.dump();
    for (const auto& job : own.at("jobs")) {
        const auto id = job.at("job_id").get<std::string>();
        EXPECT_FALSE(job.contains("node"));
        EXPECT_EQ(owner.at(id), nodes[0]);
        const bool bounded = id == "pooled-0" || id == "pooled-3" || id == "pooled-6";
        EXPECT_EQ(job.contains("deadline"), bounded) << job.dump();
    }
    auto table = ctl(members[0]->jobs(), {"jobs"});
    EXPECT_EQ(table.lines.front().find("NODE"), std::string::npos) << table.text();
}

}  // namespace
