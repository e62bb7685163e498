// The scheduler's execution controls (scheduler_controls.cpp, job_controls.hpp): max_parallel
// with fairness across jobs and the per-router session cap, the stop rules, the canary, and
// what status and the aggregate say. Restarts with a journal: test_journal.cpp.
#include <gtest/gtest.h>

#include <deque>
#include <future>
#include <map>

#include "daemon/scheduling/scheduler.hpp"
#include "tests/support/numbered_inventory.hpp"
#include "tests/support/scheduler_fixture.hpp"

using namespace fanout::daemon;
using fanout::protocol::error_kind;
using fanout::protocol::execution_controls;
using fanout::protocol::job_result;
using fanout::protocol::job_state;
using fanout::protocol::router_result;
using fanout::protocol::router_status;
using fanout::testing::controlled_spec;
using fanout::testing::finish;
using fanout::testing::recording_sink;

namespace {

void accept(scheduler& s, job_spec spec) {
    ASSERT_TRUE(
        std::holds_alternative<fanout::protocol::accepted_reply>(s.submit(std::move(spec))));
}

std::string name_of(const router_task& t) {
    return t.owner->id + "/" + t.target().name;
}

// Every router on one address (10.0.0.1:22), so the per-router cap couples them all.
std::shared_ptr<const inventory> same_router_inventory(int routers) {
    std::string json = "{";
    for (int i = 1; i <= routers; ++i)
        json += std::string(i > 1 ? "," : "") + "\"r" + std::to_string(i) +
                "\": {\"ip\": \"10.0.0.1\", \"port\": 22, \"username\": \"u\", \"password\": "
                "\"p\"}";
    return std::make_shared<const inventory>(inventory::parse(json + "}"));
}

// Runs every job to its end with `workers` workers, as fast as the scheduler lets them, and
// checks after each dispatch that no job has more routers in flight than `most` allows and that
// no more than `cap` run in all. A worker only asks for work the model says is dispatchable,
// so the loop never blocks.
struct simulation {
    std::map<std::string, std::size_t> pending, most;  // per job
    std::size_t workers = 1, cap = SIZE_MAX;
    std::map<std::string, std::size_t> running, peak;
    std::deque<router_task> in_flight;

    bool dispatchable() const {
        if (in_flight.size() >= std::min(workers, cap)) return false;
        for (const auto& [id, left] : pending)
            if (left > 0 && running.at(id) < most.at(id)) return true;
        return false;
    }
    void fill(scheduler& s) {
        while (dispatchable()) {
            auto t = *s.next_task();
            const auto& id = t.owner->id;
            --pending[id];
            peak[id] = std::max(peak[id], ++running[id]);
            in_flight.push_back(t);
        }
    }
    void finish_oldest(scheduler& s) {
        auto t = in_flight.front();
        in_flight.pop_front();
        --running[t.owner->id];
        finish(s, t);
    }
    void run(scheduler& s) {
        for (auto& [id, left] : pending) running[id] = 0;
        fill(s);
        while (!in_flight.empty()) {
            finish_oldest(s);
            fill(s);
        }
    }
};

}  // namespace

TEST(scheduler_controls, max_parallel_caps_one_job_and_the_others_get_the_rest) {
    auto inv = fanout::test::numbered_inventory(40);
    recording_sink sink;
    scheduler s({}, sink);
    accept(s, controlled_spec(inv, "paced", 1, 20, {.max_parallel = 2}));
    accept(s, controlled_spec(inv, "other", 21, 20));
    // Six workers: the paced job takes two, fair turns give the other job the other four.
    std::map<std::string, int> first_round;
    std::vector<router_task> tasks;
    for (int i = 0; i < 6; ++i) {
        tasks.push_back(*s.next_task());
        ++first_round[tasks.back().owner->id];
    }
    EXPECT_EQ(first_round["paced"], 2);
    EXPECT_EQ(first_round["other"], 4);
    EXPECT_EQ(s.status("paced")->running, 2u);
    EXPECT_FALSE(s.status("other")->running) << "sent only for a job with controls";
    // One of the paced job's routers ends: it gets the next free slot but one more only.
    finish(s, tasks[0].owner->id == "paced" ? tasks[0] : tasks[1]);
    std::map<std::string, int> second_round;
    for (int i = 0; i < 3; ++i) ++second_round[s.next_task()->owner->id];
    EXPECT_EQ(second_round["paced"], 1);
    EXPECT_EQ(second_round["other"], 2);
}

TEST(scheduler_controls, max_parallel_is_never_exceeded_over_a_whole_run) {
    auto inv = fanout::test::numbered_inventory(60);
    recording_sink sink;
    scheduler s({}, sink);
    accept(s, controlled_spec(inv, "a", 1, 30, {.max_parallel = 3}));
    accept(s, controlled_spec(inv, "b", 31, 30, {.max_parallel = 1}));
    simulation sim;
    sim.workers = 8;
    sim.pending = {{"a", 30}, {"b", 30}};
    sim.most = {{"a", 3}, {"b", 1}};
    sim.run(s);
    EXPECT_EQ(sim.peak["a"], 3u);
    EXPECT_EQ(sim.peak["b"], 1u);
    ASSERT_EQ(sink.jobs.size(), 2u);
    for (const auto& j : sink.jobs) {
        EXPECT_EQ(j->state, job_state::done);
        EXPECT_EQ(j->summary.successful, 30u);
        EXPECT_TRUE(j->stopped_by.empty());
    }
}

TEST(scheduler_controls, max_parallel_and_the_per_router_cap_each_hold_where_lower) {
    auto inv = same_router_inventory(30);
    recording_sink sink;
    scheduler_limits limits;
    limits.max_sessions_per_router = 4;  // all 30 routers share one address
    scheduler s(limits, sink);
    accept(s, controlled_spec(inv, "paced", 1, 10, {.max_parallel = 6}));  // the cap is lower
    accept(s, controlled_spec(inv, "slow", 11, 10, {.max_parallel = 1}));  // max_parallel is lower
    accept(s, controlled_spec(inv, "free", 21, 10));
    simulation sim;
    sim.workers = 16;
    sim.cap = 4;
    sim.pending = {{"paced", 10}, {"slow", 10}, {"free", 10}};
    sim.most = {{"paced", 6}, {"slow", 1}, {"free", SIZE_MAX}};
    sim.run(s);
    EXPECT_LE(sim.peak["paced"], 4u);
    EXPECT_EQ(sim.peak["slow"], 1u);
    EXPECT_EQ(sink.jobs.size(), 3u);
}

TEST(scheduler_controls, a_held_job_wakes_a_waiting_worker_when_its_router_ends) {
    auto inv = fanout::test::numbered_inventory(3);
    recording_sink sink;
    scheduler s({}, sink);
    accept(s, controlled_spec(inv, "one-at-a-time", 1, 3, {.max_parallel = 1}));
    auto first = *s.next_task();
    auto waiting = std::async(std::launch::async, [&] { return s.next_task(); });
    finish(s, first);
    ASSERT_EQ(waiting.wait_for(std::chrono::seconds(30)), std::future_status::ready);
    EXPECT_EQ(name_of(*waiting.get()), "one-at-a-time/r2");
}

TEST(scheduler_controls, stop_after_failures_cancels_what_has_not_started_and_lets_the_rest_run) {
    auto inv = fanout::test::numbered_inventory(12);
    recording_sink sink;
    scheduler s({}, sink);
    accept(s, controlled_spec(inv, "stop2", 1, 10, {.max_parallel = 3, .stop_after_failures = 2}));
    accept(s, controlled_spec(inv, "bystander", 11, 2));
    std::vector<router_task> t;
    while (t.size() < 3) {
        auto task = *s.next_task();
        if (task.owner->id == "stop2") t.push_back(task);
    }
    finish(s, t[0], router_status::failed);
    EXPECT_TRUE(s.status("stop2")->stopped_by.empty());
    finish(s, t[1], router_status::failed);  // the second failure: the rule is reached
    auto status = *s.status("stop2");
    EXPECT_EQ(status.stopped_by, "stop_after_failures");
    EXPECT_EQ(status.state, job_state::running) << "r3 is still in flight";
    EXPECT_EQ(status.running, 1u);
    EXPECT_FALSE(t[2].owner->cancelled) << "in-flight routers are not aborted";
    // r4..r10 ended cancelled at once, each saying why.
    std::size_t stopped = 0;
    for (const auto& r : sink.results) {
        if (r.job_id != "stop2" || r.status != router_status::cancelled) continue;
        ++stopped;
        ASSERT_TRUE(r.error);
        EXPECT_EQ(r.error->kind, error_kind::stopped);
        EXPECT_EQ(r.error->message,
                  "not started: the job was stopped by its rule stop_after_failures=2 (2 of 10 "
                  "routers failed, the last r2)");
    }
    EXPECT_EQ(stopped, 7u);
    finish(s, t[2]);
    const auto* job = sink.job("stop2");
    ASSERT_TRUE(job);
    EXPECT_EQ(job->state, job_state::cancelled);
    EXPECT_EQ(job->stopped_by, "stop_after_failures");
    EXPECT_EQ(job->summary.failed, 2u);
    EXPECT_EQ(job->summary.successful, 1u);
    EXPECT_EQ(job->summary.cancelled, 7u);
    EXPECT_EQ(s.status("stop2")->stopped_by, "stop_after_failures") << "kept after the end";
}

TEST(scheduler_controls, max_fail_percent_counts_each_failed_router_once) {
    auto inv = fanout::test::numbered_inventory(20);
    recording_sink sink;
    scheduler s({}, sink);
    // 10% of 20 routers: stopped by the second failed router, whatever its commands did.
    accept(s, controlled_spec(inv, "pct", 1, 20, {.max_parallel = 2, .max_fail_percent = 10},
                              {"show version", "show chassis alarms"}));
    auto a = *s.next_task(), b = *s.next_task();
    finish(s, a, router_status::failed);  // both commands of r1 fail: one failed router
    EXPECT_TRUE(s.status("pct")->stopped_by.empty());
    finish(s, b, router_status::failed);
    const auto* job = sink.job("pct");
    ASSERT_TRUE(job);
    EXPECT_EQ(job->stopped_by, "max_fail_percent");
    EXPECT_EQ(job->summary.cancelled, 36u);  // r3..r20, two commands each
    EXPECT_NE(job->results.back().error->message.find("max_fail_percent=10 (2 of 20 routers"),
              std::string::npos);
}

TEST(scheduler_controls, a_rule_reached_once_every_router_started_stops_nothing) {
    auto inv = fanout::test::numbered_inventory(2);
    recording_sink sink;
    scheduler s({}, sink);
    accept(s, controlled_spec(inv, "late", 1, 2, {.stop_after_failures = 1}));
    auto a = *s.next_task(), b = *s.next_task();
    finish(s, a, router_status::failed);
    finish(s, b);
    const auto* job = sink.job("late");
    ASSERT_TRUE(job);
    EXPECT_EQ(job->state, job_state::done);
    EXPECT_TRUE(job->stopped_by.empty());
}

TEST(scheduler_controls, a_passing_canary_runs_alone_then_releases_the_rest) {
    auto inv = fanout::test::numbered_inventory(20);
    recording_sink sink;
    scheduler s({}, sink);
    accept(s, controlled_spec(inv, "canaried", 1, 6, {.canary = 2}));
    accept(s, controlled_spec(inv, "other", 7, 14));
    std::vector<router_task> canaries, others;
    for (int i = 0; i < 10; ++i) {
        auto t = *s.next_task();
        (t.owner->id == "canaried" ? canaries : others).push_back(t);
    }
    // Ten workers, but only the two canary routers of the job went out; the other job got
    // the rest.
    ASSERT_EQ(canaries.size(), 2u);
    EXPECT_EQ(name_of(canaries[0]), "canaried/r1");
    EXPECT_EQ(name_of(canaries[1]), "canaried/r2");
    EXPECT_EQ(others.size(), 8u);
    EXPECT_EQ(s.status("canaried")->running, 2u);
    finish(s, canaries[0]);
    auto next = *s.next_task();
    EXPECT_EQ(next.owner->id, "other") << "one canary router of two passed: still held";
    others.push_back(next);
    finish(s, canaries[1]);  // the canary passed: the job's other routers take their turns
    std::vector<router_task> rest;
    for (int i = 0; i < 8; ++i) {
        auto t = *s.next_task();
        (t.owner->id == "canaried" ? rest : others).push_back(t);
    }
    ASSERT_EQ(rest.size(), 4u) << "fair turns with the other job";
    EXPECT_EQ(name_of(rest[0]), "canaried/r3");
    for (auto& t : rest) finish(s, t);
    for (auto& t : others) finish(s, t);
    while (sink.jobs.size() < 2) finish(s, *s.next_task());
    const auto* job = sink.job("canaried");
    ASSERT_TRUE(job);
    EXPECT_EQ(job->state, job_state::done);
    EXPECT_EQ(job->summary.successful, 6u);
    EXPECT_TRUE(job->stopped_by.empty());
}

TEST(scheduler_controls, a_worker_waiting_on_a_canary_is_woken_when_it_passes) {
    auto inv = fanout::test::numbered_inventory(4);
    recording_sink sink;
    scheduler s({}, sink);
    accept(s, controlled_spec(inv, "alone", 1, 4, {.canary = 1}));
    auto canary = *s.next_task();
    auto waiting = std::async(std::launch::async, [&] { return s.next_task(); });
    finish(s, canary);
    ASSERT_EQ(waiting.wait_for(std::chrono::seconds(30)), std::future_status::ready);
    EXPECT_EQ(name_of(*waiting.get()), "alone/r2");
}

TEST(scheduler_controls, a_failing_canary_cancels_the_rest_with_its_reason) {
    auto inv = fanout::test::numbered_inventory(5);
    recording_sink sink;
    scheduler s({}, sink);
    accept(s, controlled_spec(inv, "bad-canary", 1, 5, {.canary = 2}));
    auto c1 = *s.next_task(), c2 = *s.next_task();
    finish(s, c1, router_status::failed);
    EXPECT_EQ(s.status("bad-canary")->stopped_by, "canary");
    finish(s, c2);  // in flight: finishes normally
    const auto* job = sink.job("bad-canary");
    ASSERT_TRUE(job);
    EXPECT_EQ(job->state, job_state::cancelled);
    EXPECT_EQ(job->stopped_by, "canary");
    EXPECT_EQ(job->results[1].status, router_status::success);
    for (std::size_t i = 2; i < 5; ++i) {
        EXPECT_EQ(job->results[i].status, router_status::cancelled);
        EXPECT_EQ(job->results[i].error->kind, error_kind::stopped);
        EXPECT_EQ(job->results[i].error->message,
                  "not started: the canary failed (router r1 failed, one of the first 2 routers; "
                  "canary=2)");
    }
}

TEST(scheduler_controls, a_canary_router_at_its_cap_is_waited_for_not_skipped) {
    // r1 and r2 share an address; r3 and r4 have their own.
    auto inv = std::make_shared<const inventory>(inventory::parse(
        R"({"r1": {"ip": "10.0.0.1", "port": 22, "username": "u", "password": "p"},
            "r2": {"ip": "10.0.0.1", "port": 22, "username": "u", "password": "p"},
            "r3": {"ip": "10.0.0.3", "port": 22, "username": "u", "password": "p"},
            "r4": {"ip": "10.0.0.4", "port": 22, "username": "u", "password": "p"}})"));
    recording_sink sink;
    scheduler s({}, sink);  // one session per router address
    accept(s, controlled_spec(inv, "first", 1, 1));
    accept(s, controlled_spec(inv, "canaried", 2, 3, {.canary = 1}));
    auto busy = *s.next_task();
    EXPECT_EQ(name_of(busy), "first/r1");
    // r2, the canary, is at its cap; r3 and r4 are free but must wait for the canary.
    auto waiting = std::async(std::launch::async, [&] { return s.next_task(); });
    finish(s, busy);
    ASSERT_EQ(waiting.wait_for(std::chrono::seconds(30)), std::future_status::ready);
    auto canary = *waiting.get();
    EXPECT_EQ(name_of(canary), "canaried/r2") << "never r3 or r4 before the canary";
    finish(s, canary);
    auto r3 = *s.next_task();
    EXPECT_EQ(name_of(r3), "canaried/r3");
    finish(s, r3);
    finish(s, *s.next_task());
    EXPECT_EQ(sink.job("canaried")->summary.successful, 3u);
}

TEST(scheduler_controls, a_cancel_is_not_a_stop_by_rule) {
    auto inv = fanout::test::numbered_inventory(4);
    recording_sink sink;
    scheduler s({}, sink);
    accept(s, controlled_spec(inv, "c", 1, 4, {.max_parallel = 1, .stop_after_failures = 1}));
    auto t = *s.next_task();
    s.cancel("c");
    EXPECT_TRUE(t.owner->cancelled);
    finish(s, t, router_status::cancelled);
    const auto* job = sink.job("c");
    ASSERT_TRUE(job);
    EXPECT_EQ(job->state, job_state::cancelled);
    EXPECT_TRUE(job->stopped_by.empty());
    for (const auto& r : job->results) EXPECT_FALSE(r.error);
}

TEST(scheduler_controls, controls_are_part_of_the_content_for_a_resubmit) {
    auto inv = fanout::test::numbered_inventory(3);
    recording_sink sink;
    scheduler s({}, sink);
    accept(s, controlled_spec(inv, "same", 1, 3, {.canary = 1}));
    accept(s, controlled_spec(inv, "same", 1, 3, {.canary = 1}));  // resubmit: answered as accepted
    auto other = s.submit(controlled_spec(inv, "same", 1, 3, {.canary = 2}));
    ASSERT_TRUE(std::holds_alternative<fanout::protocol::error_reply>(other));
    EXPECT_EQ(std::get<fanout::protocol::error_reply>(other).code,
              fanout::protocol::error_code::duplicate_job);
    auto none = s.submit(controlled_spec(inv, "same", 1, 3));
    ASSERT_TRUE(std::holds_alternative<fanout::protocol::error_reply>(none));
}
