// merge_pool_jobs (session 9): the jobs of every daemon of a pool as one list: newest first
// across daemons, each with its node, the limit on the whole list, matched summed, more right.
#include <gtest/gtest.h>

#include "tools/fanoutctl/pool_jobs.hpp"

namespace {

using namespace fanout;
using namespace fanout::ctl;

protocol::job_entry at(std::string id, std::string submitted_at) {
    protocol::job_entry e;
    e.job_id = std::move(id);
    e.submitted_at = std::move(submitted_at);
    return e;
}

protocol::jobs_reply on(std::string node, std::vector<protocol::job_entry> jobs,
                        std::uint64_t matched) {
    protocol::jobs_reply r;
    r.node = std::move(node);
    r.jobs = std::move(jobs);
    r.matched = matched;
    r.more = matched > r.jobs.size();
    return r;
}

std::vector<std::string> listed(const pool_jobs& list) {
    std::vector<std::string> out;
    for (const auto& j : list.jobs) out.push_back(j.node + "/" + j.entry.job_id);
    return out;
}

TEST(FanoutctlPoolJobs, NewestFirstAcrossDaemonsEachWithItsNode) {
    pool_answers answers;
    answers.replies = {
        on("a", {at("a3", "2026-12-06T12:00:03.000Z"), at("a1", "2026-12-06T12:00:01.000Z")}, 2),
        on("b", {at("b4", "2026-12-06T12:00:04.000Z"), at("b2", "2026-12-06T12:00:02.500Z")}, 2),
        on("c", {}, 0)};
    const auto list = merge_pool_jobs(answers, 50);
    EXPECT_EQ(listed(list), (std::vector<std::string>{"b/b4", "a/a3", "b/b2", "a/a1"}));
    EXPECT_EQ(list.matched, 4u);
    EXPECT_FALSE(list.more);
    EXPECT_EQ(list.nodes, (std::vector<std::string>{"a", "b", "c"}));
    EXPECT_TRUE(list.incomplete.empty());
}

TEST(FanoutctlPoolJobs, TheLimitCutsTheMergedListAndMatchedCountsEveryDaemon) {
    // Each daemon listed its newest 2 of more; the pool's newest 2 are among them.
    pool_answers answers;
    answers.replies = {
        on("a", {at("a5", "2026-12-06T12:00:05.000Z"), at("a2", "2026-12-06T12:00:02.000Z")}, 7),
        on("b", {at("b4", "2026-12-06T12:00:04.000Z"), at("b3", "2026-12-06T12:00:03.000Z")}, 3)};
    const auto list = merge_pool_jobs(answers, 2);
    EXPECT_EQ(listed(list), (std::vector<std::string>{"a/a5", "b/b4"}));
    EXPECT_EQ(list.matched, 10u);
    EXPECT_TRUE(list.more);
}

TEST(FanoutctlPoolJobs, MoreIsSetByTheMergeEvenWhenNoDaemonLeftOneOut) {
    pool_answers answers;
    answers.replies = {on("a", {at("a1", "2026-12-06T12:00:01.000Z")}, 1),
                       on("b", {at("b1", "2026-12-06T12:00:02.000Z")}, 1)};
    const auto cut = merge_pool_jobs(answers, 1);
    EXPECT_EQ(listed(cut), (std::vector<std::string>{"b/b1"}));
    EXPECT_EQ(cut.matched, 2u);
    EXPECT_TRUE(cut.more);
    EXPECT_FALSE(merge_pool_jobs(answers, 2).more);
}

TEST(FanoutctlPoolJobs, EqualTimesByJobIdDescendingThenNodeAndOneIdOnTwoDaemonsStaysTwice) {
    const std::string t = "2026-12-06T12:00:00.000Z";
    pool_answers answers;
    answers.replies = {on("b", {at("same", t), at("x", t)}, 2), on("a", {at("same", t)}, 1)};
    const auto list = merge_pool_jobs(answers, 50);
    EXPECT_EQ(listed(list), (std::vector<std::string>{"b/x", "a/same", "b/same"}));
}

TEST(FanoutctlPoolJobs, IncompleteIsPassedOnAndNothingAnsweredIsEmpty) {
    pool_answers answers;
    answers.incomplete = "request 3 through the proxy got no jobs reply";
    answers.replies = {on("a", {at("a1", "2026-12-06T12:00:01.000Z")}, 1)};
    EXPECT_EQ(merge_pool_jobs(answers, 50).incomplete, answers.incomplete);
    const auto none = merge_pool_jobs(pool_answers{}, 50);
    EXPECT_TRUE(none.jobs.empty());
    EXPECT_EQ(none.matched, 0u);
    EXPECT_FALSE(none.more);
}

}  // namespace
