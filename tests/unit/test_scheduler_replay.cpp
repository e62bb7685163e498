// scheduler::replay and its seq index: seq order across jobs, paging, the size cap, the
// job_id filter, and that eviction removes a job's results from the index.
#include <gtest/gtest.h>

#include "daemon/scheduling/scheduler.hpp"
#include "protocol/limits.hpp"
#include "tests/support/scheduler_fixture.hpp"

using namespace fanout::daemon;
using fanout::protocol::replay_reply;
using fanout::protocol::replay_request;
using fanout::protocol::router_result;
using fanout::protocol::router_status;

namespace {

class replay_test : public fanout::testing::scheduler_test {
  protected:
    using scheduler_test::scheduler_test;

    void submit(const std::string& id, int routers, int commands = 1) {
        std::vector<std::string> named;
        for (int c = 0; c < commands; ++c) named.push_back("cmd" + std::to_string(c));
        accept(fanout::testing::spec_for(inventory_, id, 1, routers, named));
    }
    // Takes the next task and records all its commands with `output`.
    void run_one(const std::string& output = "fine") {
        router_result r;
        r.status = router_status::success;
        r.output = output;
        run_one_with(r);
    }
    replay_reply replay(std::uint64_t since, std::optional<std::uint64_t> limit = std::nullopt,
                        std::optional<std::string> job = std::nullopt) {
        auto page = tasks_.replay(replay_request{since, limit, std::move(job)});
        if (!page) throw std::runtime_error("replay: unknown job");
        return *page;
    }
    static std::vector<std::uint64_t> seqs(const replay_reply& page) {
        std::vector<std::uint64_t> out;
        for (const auto& r : page.results) out.push_back(r.seq);
        return out;
    }
};

}  // namespace

TEST_F(replay_test, nothing_recorded_yet) {
    auto page = replay(0);
    EXPECT_TRUE(page.results.empty());
    EXPECT_FALSE(page.more);
    EXPECT_EQ(page.next_seq, 0u);
    EXPECT_EQ(page.oldest_seq, 0u);
    EXPECT_EQ(page.last_seq, 0u);
}

TEST_F(replay_test, results_of_interleaved_jobs_come_back_in_seq_order) {
    submit("a", 3, 2);
    submit("b", 3);
    for (int i = 0; i < 6; ++i) run_one();  // both jobs end
    auto page = replay(0);
    EXPECT_EQ(seqs(page), (std::vector<std::uint64_t>{1, 2, 3, 4, 5, 6, 7, 8, 9}));
    EXPECT_FALSE(page.more);
    EXPECT_EQ(page.next_seq, 9u);
    EXPECT_EQ(page.oldest_seq, 1u);
    EXPECT_EQ(page.last_seq, 9u);
    // Round robin: a's r1 (two commands), then b's r1, ...
    EXPECT_EQ(page.results[0].job_id, "a");
    EXPECT_EQ(page.results[1].command, "cmd1");
    EXPECT_EQ(page.results[2].job_id, "b");
    EXPECT_EQ(seqs(replay(7)), (std::vector<std::uint64_t>{8, 9}));
    auto beyond = replay(100);
    EXPECT_TRUE(beyond.results.empty());
    EXPECT_EQ(beyond.next_seq, 100u);
}

TEST_F(replay_test, results_of_a_running_job_are_replayable_before_it_ends) {
    submit("long", 5);
    run_one("first");
    run_one("second");
    auto page = replay(0);
    ASSERT_EQ(page.results.size(), 2u);
    EXPECT_EQ(page.results[1].output, "second");
    EXPECT_EQ(page.results[1].router_name, "r2");
}

TEST_F(replay_test, paging_with_limit_visits_every_result_once) {
    submit("a", 10);
    for (int i = 0; i < 10; ++i) run_one();
    std::vector<std::uint64_t> all;
    std::uint64_t since = 0;
    int pages = 0;
    for (;; ++pages) {
        auto page = replay(since, 3);
        EXPECT_LE(page.results.size(), 3u);
        auto s = seqs(page);
        all.insert(all.end(), s.begin(), s.end());
        since = page.next_seq;
        if (!page.more) break;
    }
    EXPECT_EQ(pages, 3);  // 3 + 3 + 3 + 1
    EXPECT_EQ(all, (std::vector<std::uint64_t>{1, 2, 3, 4, 5, 6, 7, 8, 9, 10}));
}

TEST_F(replay_test, a_page_stops_near_max_replay_bytes_but_holds_at_least_one_result) {
    const std::size_t mib = 1024 * 1024;
    submit("big", 4);
    run_one(std::string(fanout::protocol::max_replay_bytes + 1, 'x'));  // alone beyond the cap
    run_one(std::string(mib, 'y'));
    run_one(std::string(mib, 'y'));
    run_one(std::string(mib, 'y'));
    auto first = replay(0);
    EXPECT_EQ(seqs(first), (std::vector<std::uint64_t>{1}));
    EXPECT_TRUE(first.more);
    auto rest = replay(first.next_seq);
    EXPECT_EQ(seqs(rest), (std::vector<std::uint64_t>{2, 3, 4}));  // 3 MiB and a bit
    EXPECT_FALSE(rest.more);
}

TEST_F(replay_test, job_id_filter_returns_only_that_job_in_seq_order) {
    submit("a", 2, 2);
    submit("b", 2);
    for (int i = 0; i < 4; ++i) run_one();
    auto page = replay(0, std::nullopt, "a");
    EXPECT_EQ(seqs(page), (std::vector<std::uint64_t>{1, 2, 4, 5}));
    for (const auto& r : page.results) EXPECT_EQ(r.job_id, "a");
    EXPECT_EQ(seqs(replay(2, 1, "a")), (std::vector<std::uint64_t>{4}));
    EXPECT_EQ(seqs(replay(0, std::nullopt, "b")), (std::vector<std::uint64_t>{3, 6}));
    EXPECT_FALSE(tasks_.replay(replay_request{0, std::nullopt, "nope"}));
}

class replay_retention_test : public replay_test {
  protected:
    replay_retention_test()
        : replay_test(scheduler_limits{1000, 50000, 1, std::chrono::hours(1)}) {}
};

TEST_F(replay_retention_test, evicted_jobs_leave_the_index) {
    submit("old", 2);
    run_one();
    run_one();
    submit("new", 2);
    run_one();
    // "old" is still kept (keep_jobs 1): everything is there.
    EXPECT_EQ(seqs(replay(0)), (std::vector<std::uint64_t>{1, 2, 3}));
    run_one();  // "new" ends: "old" is evicted
    auto page = replay(0);
    EXPECT_EQ(seqs(page), (std::vector<std::uint64_t>{3, 4}));
    EXPECT_EQ(page.oldest_seq, 3u);
    EXPECT_EQ(page.last_seq, 4u);
    EXPECT_FALSE(tasks_.replay(replay_request{0, std::nullopt, "old"}));
}

TEST(result_index, add_job_indexes_every_recorded_result_at_its_position) {
    result_index index;
    std::vector<std::optional<router_result>> running(3);
    running[0] = router_result{};
    running[0]->seq = 7;
    running[2] = router_result{};
    running[2]->seq = 5;
    index.add_job("running", running);
    std::vector<router_result> ended(2);
    ended[0].seq = 9;
    ended[1].seq = 8;
    index.add_job("ended", ended);
    EXPECT_EQ(index.size(), 4u);
    EXPECT_EQ(index.oldest_seq(), 5u);

    std::vector<std::pair<std::string, std::size_t>> order;
    replay_page page(0, 10);
    index.fill(page, 0, [&](const result_index::location& at) -> const router_result* {
        order.emplace_back(at.job_id, at.position);
        return at.job_id == "running" ? &*running[at.position] : &ended[at.position];
    });
    using located = std::pair<std::string, std::size_t>;
    EXPECT_EQ(order,
              (std::vector<located>{{"running", 2}, {"running", 0}, {"ended", 1}, {"ended", 0}}));
    EXPECT_EQ(std::move(page).finish(5, 9).next_seq, 9u);
}
