// scheduler::jobs (issue 13): active and kept jobs newest first, the limit and what it says
// about the rest, the state and job_id filters, counts, the audit fields and the stopping rule,
// the command bound, the deadline, and eviction.
#include <gtest/gtest.h>

#include "daemon/scheduling/scheduler.hpp"
#include "protocol/limits.hpp"
#include "tests/support/scheduler_fixture.hpp"

using namespace fanout::daemon;
using fanout::protocol::job_state;
using fanout::protocol::jobs_reply;
using fanout::protocol::jobs_request;
using fanout::protocol::router_result;
using fanout::protocol::router_status;

namespace {

class jobs_test : public fanout::testing::scheduler_test {
  protected:
    using scheduler_test::scheduler_test;

    void submit(const std::string& id, int routers, std::vector<std::string> commands = {"cmd"}) {
        accept(fanout::testing::spec_for(inventory_, id, 1, routers, std::move(commands)));
    }
    // Takes the next task and records all its commands with `status`.
    void run_one(router_status status = router_status::success) {
        router_result r;
        r.status = status;
        run_one_with(r);
    }
    jobs_reply list(jobs_request request = {}) {
        auto reply = tasks_.jobs(request);
        if (!reply) throw std::runtime_error("jobs: unknown job");
        return *reply;
    }
    static std::vector<std::string> ids(const jobs_reply& reply) {
        std::vector<std::string> out;
        for (const auto& j : reply.jobs) out.push_back(j.job_id);
        return out;
    }
};

}  // namespace

TEST_F(jobs_test, nothing_to_list) {
    auto reply = list();
    EXPECT_TRUE(reply.jobs.empty());
    EXPECT_EQ(reply.matched, 0u);
    EXPECT_FALSE(reply.more);
}

TEST_F(jobs_test, active_and_ended_jobs_newest_first_with_their_counts) {
    submit("first", 2);
    run_one(router_status::success);
    run_one(router_status::failed);  // "first" ends: 1 ok, 1 failed
    submit("second", 3, {"show version", "show chassis alarms"});
    run_one();  // one router of "second": 2 results
    auto reply = list();
    ASSERT_EQ(ids(reply), (std::vector<std::string>{"second", "first"}));
    const auto& second = reply.jobs[0];
    EXPECT_EQ(second.state, job_state::running);
    EXPECT_EQ(second.command, "show version");
    EXPECT_EQ(second.command_count, 2u);
    EXPECT_EQ(second.total_routers, 3u);
    EXPECT_EQ(second.total, 6u);
    EXPECT_EQ(second.completed, 2u);
    EXPECT_EQ(second.successful, 2u);
    EXPECT_EQ(second.failed, 0u);
    EXPECT_EQ(second.submitted_at.size(), 24u) << second.submitted_at;  // ISO, milliseconds
    const auto& first = reply.jobs[1];
    EXPECT_EQ(first.state, job_state::done);
    EXPECT_EQ(first.command, "cmd");
    EXPECT_EQ(first.total, 2u);
    EXPECT_EQ(first.completed, 2u);
    EXPECT_EQ(first.successful, 1u);
    EXPECT_EQ(first.failed, 1u);
    EXPECT_LE(first.submitted_at, second.submitted_at);
}

TEST_F(jobs_test, a_cancelled_job_lists_its_cancelled_results) {
    submit("c", 4);
    run_one();
    ASSERT_TRUE(tasks_.cancel("c"));
    auto reply = list();
    ASSERT_EQ(reply.jobs.size(), 1u);
    EXPECT_EQ(reply.jobs[0].state, job_state::cancelled);
    EXPECT_EQ(reply.jobs[0].cancelled, 3u);
    EXPECT_EQ(reply.jobs[0].successful, 1u);
}

TEST_F(jobs_test, entries_say_who_submitted_who_asked_and_which_rule_stopped_the_job) {
    auto spec = fanout::testing::spec_for(inventory_, "guarded", 1, 5, {"cmd"});
    spec.submitted_by = "ops-laptop";
    spec.requested_by = "CHG-1234";
    spec.controls.max_parallel = 2;
    spec.controls.stop_after_failures = 1;
    accept(std::move(spec));
    auto first = tasks_.next_task(), second = tasks_.next_task();
    ASSERT_TRUE(first && second);
    submit("plain", 1);  // after: both tasks above are the guarded job's
    router_result failed;
    failed.status = router_status::failed;
    tasks_.record(*first, 0, failed);
    tasks_.task_finished(*first);  // the rule is reached; `second` is still in flight
    auto stopping = list({std::nullopt, std::nullopt, std::string("guarded")}).jobs.at(0);
    EXPECT_EQ(stopping.state, job_state::running);
    EXPECT_EQ(stopping.stopped_by, "stop_after_failures");
    EXPECT_EQ(stopping.submitted_by, "ops-laptop");
    EXPECT_EQ(stopping.requested_by, "CHG-1234");
    router_result ok;
    ok.status = router_status::success;
    tasks_.record(*second, 0, ok);
    tasks_.task_finished(*second);
    auto reply = list();
    ASSERT_EQ(ids(reply), (std::vector<std::string>{"plain", "guarded"}));
    const auto& ended = reply.jobs[1];
    EXPECT_EQ(ended.state, job_state::cancelled);
    EXPECT_EQ(ended.stopped_by, "stop_after_failures") << "kept after the end";
    EXPECT_EQ(ended.submitted_by, "ops-laptop");
    EXPECT_EQ(ended.requested_by, "CHG-1234");
    const auto& plain = reply.jobs[0];
    EXPECT_TRUE(plain.stopped_by.empty());
    EXPECT_TRUE(plain.submitted_by.empty());
    EXPECT_TRUE(plain.requested_by.empty());
}

TEST_F(jobs_test, entries_carry_the_jobs_deadline_while_active_and_once_ended) {
    job_spec spec;
    spec.id = "bounded";
    spec.commands = {"cmd"};
    spec.devices = inventory_;
    spec.routers.push_back(inventory_->find("r1"));
    spec.deadline = std::chrono::milliseconds(2500);
    ASSERT_EQ(tasks_.submit(std::move(spec)).index(), 0u);
    submit("plain", 1);
    auto active = list();
    ASSERT_EQ(ids(active), (std::vector<std::string>{"plain", "bounded"}));
    EXPECT_EQ(active.jobs[1].deadline, 2.5);
    EXPECT_FALSE(active.jobs[0].deadline);
    run_one();
    run_one();
    auto ended = list({std::nullopt, job_state::done, std::nullopt});
    ASSERT_EQ(ids(ended), (std::vector<std::string>{"plain", "bounded"}));
    EXPECT_EQ(ended.jobs[1].deadline, 2.5) << "kept after the end";
    EXPECT_FALSE(ended.jobs[0].deadline);
}

TEST_F(jobs_test, the_limit_keeps_the_newest_and_says_how_many_matched) {
    for (int i = 0; i < 5; ++i) submit("j" + std::to_string(i), 1);
    auto reply = list({2, std::nullopt, std::nullopt});
    EXPECT_EQ(ids(reply), (std::vector<std::string>{"j4", "j3"}));
    EXPECT_EQ(reply.matched, 5u);
    EXPECT_TRUE(reply.more);
    auto all = list({5, std::nullopt, std::nullopt});
    EXPECT_EQ(all.jobs.size(), 5u);
    EXPECT_FALSE(all.more);
}

TEST_F(jobs_test, state_and_job_id_filters) {
    submit("ended", 1);
    run_one();
    submit("queued", 1);
    EXPECT_EQ(ids(list({std::nullopt, job_state::done, std::nullopt})),
              (std::vector<std::string>{"ended"}));
    EXPECT_EQ(ids(list({std::nullopt, job_state::queued, std::nullopt})),
              (std::vector<std::string>{"queued"}));
    auto running = list({std::nullopt, job_state::running, std::nullopt});
    EXPECT_TRUE(running.jobs.empty());
    EXPECT_EQ(running.matched, 0u);
    EXPECT_EQ(ids(list({std::nullopt, std::nullopt, std::string("ended")})),
              (std::vector<std::string>{"ended"}));
    EXPECT_FALSE(tasks_.jobs({std::nullopt, std::nullopt, std::string("never")}));
}

TEST_F(jobs_test, a_long_command_is_cut_at_a_utf8_boundary) {
    // 199 ASCII bytes, then a 3-byte character straddling the 200-byte bound.
    const std::string command = std::string(199, 'a') + "\xE2\x82\xAC" + "tail";
    submit("long", 1, {command});
    auto reply = list();
    ASSERT_EQ(reply.jobs.size(), 1u);
    EXPECT_EQ(reply.jobs[0].command, std::string(199, 'a'));
    EXPECT_LE(reply.jobs[0].command.size(), fanout::protocol::max_listed_command_bytes);
}

class jobs_expiry_test : public jobs_test {
  protected:
    jobs_expiry_test() : jobs_test(scheduler_limits{1000, 50000, 2, std::chrono::seconds(3600)}) {}
};

TEST_F(jobs_expiry_test, evicted_jobs_are_not_listed) {
    for (int i = 0; i < 3; ++i) {
        submit("e" + std::to_string(i), 1);
        run_one();
    }
    auto reply = list();  // --keep-jobs 2: the oldest went
    EXPECT_EQ(ids(reply), (std::vector<std::string>{"e2", "e1"}));
    EXPECT_EQ(reply.matched, 2u);
}
