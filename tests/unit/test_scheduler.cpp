// Scheduler: fairness across jobs, bounded admission, result ordering, cancel, retention, and
// the demand it reports to the session pool.
#include <gtest/gtest.h>

#include <future>
#include <map>
#include <set>
#include <thread>

#include "daemon/scheduling/scheduler.hpp"
#include "protocol/limits.hpp"
#include "tests/support/numbered_inventory.hpp"
#include "tests/support/scheduler_fixture.hpp"

using namespace fanout::daemon;
using fanout::protocol::error_code;
using fanout::protocol::error_reply;
using fanout::protocol::job_state;
using fanout::protocol::router_result;
using fanout::protocol::router_status;
using fanout::testing::finish;
using fanout::testing::recording_sink;
using fanout::testing::spec_for;

namespace {

// Counts what the scheduler reports as still needed, per router name.
struct counting_demand : task_demand {
    std::map<std::string, int> needed;
    void add(const std::vector<const device*>& routers) override {
        for (const auto* d : routers) ++needed[d->name];
    }
    void remove(const std::vector<const device*>& routers) override {
        for (const auto* d : routers)
            if (--needed[d->name] == 0) needed.erase(d->name);
    }
};

}  // namespace

TEST(scheduler, small_job_interleaves_with_a_large_one) {
    auto inv = fanout::test::numbered_inventory(1000);
    recording_sink sink;
    scheduler s({}, sink);
    ASSERT_TRUE(std::holds_alternative<fanout::protocol::accepted_reply>(
        s.submit(spec_for(inv, "big", 1, 995))));
    // A few big-job routers are already running when the small job arrives.
    std::vector<router_task> running;
    for (int i = 0; i < 10; ++i) running.push_back(*s.next_task());
    ASSERT_TRUE(std::holds_alternative<fanout::protocol::accepted_reply>(
        s.submit(spec_for(inv, "small", 996, 5))));

    int small_seen = 0, dispatched = 0;
    while (small_seen < 5) {
        auto t = s.next_task();
        ASSERT_TRUE(t);
        ++dispatched;
        if (t->owner->id == "small") ++small_seen;
        running.push_back(*t);
    }
    // Strict alternation: the small job's 5 routers go out within its first 10 dispatches,
    // not after the big job's remaining 985.
    EXPECT_LE(dispatched, 10);
}

TEST(scheduler, aggregate_keeps_request_order_whatever_the_finish_order) {
    auto inv = fanout::test::numbered_inventory(3);
    recording_sink sink;
    scheduler s({}, sink);
    s.submit(spec_for(inv, "j1", 1, 3, {"show version", "show system uptime"}));
    auto a = *s.next_task(), b = *s.next_task(), c = *s.next_task();
    finish(s, c);
    finish(s, a);
    finish(s, b);
    ASSERT_EQ(sink.jobs.size(), 1u);
    const auto& results = sink.jobs[0]->results;
    ASSERT_EQ(results.size(), 6u);
    std::vector<std::string> got;
    for (const auto& r : results)
        got.push_back(r.router_name + "/" + std::to_string(r.command_index));
    EXPECT_EQ(got, (std::vector<std::string>{"r1/0", "r1/1", "r2/0", "r2/1", "r3/0", "r3/1"}));
    EXPECT_EQ(results[1].command, "show system uptime");
    EXPECT_EQ(sink.jobs[0]->summary.total_routers, 3u);
    EXPECT_EQ(sink.jobs[0]->summary.total, 6u);
    EXPECT_EQ(sink.jobs[0]->summary.successful, 6u);
    EXPECT_EQ(sink.jobs[0]->state, job_state::done);
    EXPECT_EQ(sink.order.back(), "j:j1") << "the aggregate follows every router result";
}

TEST(scheduler, seq_numbers_increase_by_one_across_jobs) {
    auto inv = fanout::test::numbered_inventory(4);
    recording_sink sink;
    scheduler s({}, sink);
    s.submit(spec_for(inv, "a", 1, 2));
    s.submit(spec_for(inv, "b", 3, 2));
    for (int i = 0; i < 4; ++i) finish(s, *s.next_task());
    ASSERT_EQ(sink.results.size(), 4u);
    for (std::size_t i = 0; i < sink.results.size(); ++i) EXPECT_EQ(sink.results[i].seq, i + 1);
}

TEST(scheduler, refuses_with_busy_beyond_its_limits_and_accepts_again_after) {
    auto inv = fanout::test::numbered_inventory(10);
    recording_sink sink;
    scheduler_limits limits;
    limits.max_queued_jobs = 2;
    limits.max_pending_tasks = 6;
    scheduler s(limits, sink);
    ASSERT_TRUE(std::holds_alternative<fanout::protocol::accepted_reply>(
        s.submit(spec_for(inv, "a", 1, 4))));
    auto too_many_tasks = s.submit(spec_for(inv, "b", 5, 3));
    ASSERT_TRUE(std::holds_alternative<error_reply>(too_many_tasks));
    EXPECT_EQ(std::get<error_reply>(too_many_tasks).code, error_code::busy);
    EXPECT_NE(std::get<error_reply>(too_many_tasks).message.find("--max-pending-tasks"),
              std::string::npos);
    ASSERT_TRUE(std::holds_alternative<fanout::protocol::accepted_reply>(
        s.submit(spec_for(inv, "c", 5, 1))));
    auto too_many_jobs = s.submit(spec_for(inv, "d", 6, 1));
    ASSERT_TRUE(std::holds_alternative<error_reply>(too_many_jobs));
    EXPECT_NE(std::get<error_reply>(too_many_jobs).message.find("--max-queued-jobs"),
              std::string::npos);
    EXPECT_FALSE(s.status("d")) << "a refused job leaves no trace";

    for (int i = 0; i < 5; ++i) finish(s, *s.next_task());
    EXPECT_TRUE(std::holds_alternative<fanout::protocol::accepted_reply>(
        s.submit(spec_for(inv, "d", 6, 1))));
}

TEST(scheduler, duplicate_job_ids_are_refused_while_known) {
    auto inv = fanout::test::numbered_inventory(2);
    recording_sink sink;
    scheduler s({}, sink);
    s.submit(spec_for(inv, "same", 1, 1));
    auto again = s.submit(spec_for(inv, "same", 2, 1));
    ASSERT_TRUE(std::holds_alternative<error_reply>(again));
    EXPECT_EQ(std::get<error_reply>(again).code, error_code::duplicate_job);
    finish(s, *s.next_task());
    auto after_end = s.submit(spec_for(inv, "same", 2, 1));
    ASSERT_TRUE(std::holds_alternative<error_reply>(after_end));
    EXPECT_EQ(std::get<error_reply>(after_end).code, error_code::duplicate_job);
}

TEST(scheduler, assigns_unique_ids_when_the_client_gives_none) {
    auto inv = fanout::test::numbered_inventory(1);
    recording_sink sink;
    scheduler s({}, sink);
    std::set<std::string> ids;
    for (int i = 0; i < 50; ++i) {
        auto accepted =
            std::get<fanout::protocol::accepted_reply>(s.submit(spec_for(inv, std::nullopt, 1, 1)));
        EXPECT_TRUE(ids.insert(accepted.job_id).second);
        // The id a client could have sent: no dot, so its PUB topics are unambiguous.
        EXPECT_TRUE(fanout::protocol::is_valid_job_id(accepted.job_id)) << accepted.job_id;
    }
}

TEST(scheduler, cancel_ends_waiting_routers_and_lets_running_ones_report) {
    auto inv = fanout::test::numbered_inventory(5);
    recording_sink sink;
    scheduler s({}, sink);
    s.submit(spec_for(inv, "c", 1, 5));
    auto running = *s.next_task();
    auto status = s.cancel("c");
    ASSERT_TRUE(status);
    EXPECT_EQ(status->completed, 4u) << "the 4 routers not started are cancelled at once";
    EXPECT_TRUE(running.owner->cancelled);
    EXPECT_TRUE(sink.jobs.empty()) << "the job waits for its running router";
    finish(s, running, router_status::cancelled);
    ASSERT_EQ(sink.jobs.size(), 1u);
    EXPECT_EQ(sink.jobs[0]->state, job_state::cancelled);
    EXPECT_EQ(sink.jobs[0]->summary.cancelled, 5u);
    EXPECT_EQ(sink.jobs[0]->results.size(), 5u);
    EXPECT_EQ(s.status("c")->state, job_state::cancelled);
    EXPECT_FALSE(s.cancel("nope"));
}

TEST(scheduler, status_and_result_follow_the_job) {
    auto inv = fanout::test::numbered_inventory(2);
    recording_sink sink;
    scheduler s({}, sink);
    s.submit(spec_for(inv, "j", 1, 2));
    EXPECT_EQ(s.status("j")->state, job_state::queued);
    auto t = *s.next_task();
    EXPECT_EQ(s.status("j")->state, job_state::running);
    finish(s, t, router_status::failed);
    auto st = s.status("j");
    EXPECT_EQ(st->completed, 1u);
    EXPECT_EQ(st->failed, 1u);
    EXPECT_TRUE(std::holds_alternative<fanout::protocol::status_reply>(s.result("j")));
    finish(s, *s.next_task());
    auto r = s.result("j");
    ASSERT_TRUE((std::holds_alternative<std::shared_ptr<const fanout::protocol::job_result>>(r)));
    EXPECT_EQ(s.status("j")->state, job_state::done);
    EXPECT_TRUE(std::holds_alternative<std::monostate>(s.result("unknown")));
}

TEST(scheduler, status_carries_the_jobs_deadline_while_it_runs_and_after) {
    auto inv = fanout::test::numbered_inventory(2);
    recording_sink sink;
    scheduler s({}, sink);
    auto bounded = spec_for(inv, "bounded", 1, 1);
    bounded.deadline = std::chrono::milliseconds(2500);
    s.submit(std::move(bounded));
    s.submit(spec_for(inv, "unbounded", 2, 1));
    EXPECT_DOUBLE_EQ(s.status("bounded")->deadline.value_or(0), 2.5);
    EXPECT_FALSE(s.status("unbounded")->deadline);
    finish(s, *s.next_task());
    finish(s, *s.next_task());
    EXPECT_EQ(s.status("bounded")->state, job_state::done);
    EXPECT_DOUBLE_EQ(s.status("bounded")->deadline.value_or(0), 2.5) << "kept after the end";
    EXPECT_FALSE(s.status("unbounded")->deadline);
}

TEST(scheduler, record_missing_fills_only_the_commands_without_a_result) {
    auto inv = fanout::test::numbered_inventory(1);
    recording_sink sink;
    scheduler s({}, sink);
    s.submit(spec_for(inv, "partial", 1, 1, {"show version", "show system uptime", "show bgp"}));
    auto t = *s.next_task();
    s.record(t, 0, fanout::testing::ok_result());
    router_result internal;
    internal.status = router_status::failed;
    internal.error = fanout::protocol::router_error{fanout::protocol::error_kind::internal, "boom"};
    s.record_missing(t, internal);
    s.task_finished(t);
    ASSERT_EQ(sink.jobs.size(), 1u);
    const auto& results = sink.jobs[0]->results;
    EXPECT_EQ(results[0].status, router_status::success) << "the recorded result is kept";
    EXPECT_EQ(results[1].error->message, "boom");
    EXPECT_EQ(results[2].error->message, "boom");
    EXPECT_EQ(sink.results.size(), 3u) << "nothing recorded twice";
}

TEST(scheduler, forgets_ended_jobs_beyond_keep_jobs) {
    auto inv = fanout::test::numbered_inventory(3);
    recording_sink sink;
    scheduler_limits limits;
    limits.keep_jobs = 2;
    scheduler s(limits, sink);
    for (int i = 1; i <= 3; ++i) {
        s.submit(spec_for(inv, "j" + std::to_string(i), i, 1));
        finish(s, *s.next_task());
    }
    EXPECT_FALSE(s.status("j1")) << "the oldest ended job was evicted";
    EXPECT_TRUE(s.status("j2"));
    EXPECT_TRUE(s.status("j3"));
}

// Retention is bounded by output size too: a run of big outputs cannot grow memory without
// bound before --keep-jobs is reached. The newest ended job is always kept.
TEST(scheduler, forgets_the_oldest_ended_jobs_beyond_keep_bytes) {
    auto inv = fanout::test::numbered_inventory(3);
    recording_sink sink;
    scheduler_limits limits;
    limits.keep_bytes = 3u << 20;
    scheduler s(limits, sink);
    auto finish_big = [&](const std::string& id, std::size_t bytes) {
        s.submit(spec_for(inv, id, 1, 1));
        auto t = s.next_task();
        auto r = fanout::testing::ok_result();
        r.output.assign(bytes, 'x');
        s.record(*t, 0, r);
        s.task_finished(*t);
    };
    finish_big("a", 1u << 20);
    finish_big("b", 1u << 20);
    EXPECT_TRUE(s.status("a")) << "2 MiB fit in 3 MiB";
    finish_big("c", 1u << 20);
    EXPECT_FALSE(s.status("a")) << "3 MiB plus overhead do not: the oldest goes";
    EXPECT_TRUE(s.status("b"));
    EXPECT_TRUE(s.status("c"));
    finish_big("huge", 5u << 20);
    EXPECT_FALSE(s.status("b"));
    EXPECT_FALSE(s.status("c"));
    EXPECT_TRUE(s.status("huge")) << "the newest is kept even alone over the limit";
}

TEST(scheduler, shutdown_wakes_idle_workers_and_wait_idle_reports) {
    auto inv = fanout::test::numbered_inventory(1);
    recording_sink sink;
    scheduler s({}, sink);
    auto worker = std::async(std::launch::async, [&] { return s.next_task().has_value(); });
    s.shutdown();
    EXPECT_FALSE(worker.get());
    EXPECT_TRUE(s.wait_idle(std::chrono::steady_clock::now()));
    auto refused = s.submit(spec_for(inv, "late", 1, 1));
    ASSERT_TRUE(std::holds_alternative<error_reply>(refused));
    EXPECT_EQ(std::get<error_reply>(refused).code, error_code::busy);
}

TEST(scheduler, cancel_all_ends_every_active_job) {
    auto inv = fanout::test::numbered_inventory(4);
    recording_sink sink;
    scheduler s({}, sink);
    s.submit(spec_for(inv, "a", 1, 2));
    s.submit(spec_for(inv, "b", 3, 2));
    EXPECT_FALSE(s.wait_idle(std::chrono::steady_clock::now()));
    s.cancel_all();
    EXPECT_TRUE(s.wait_idle(std::chrono::steady_clock::now()));
    EXPECT_EQ(sink.jobs.size(), 2u);
}

namespace {

// An inventory where r1..r<routers> all share one address and port: one SSH daemon.
std::shared_ptr<const inventory> same_router_inventory(int routers) {
    std::string json = "{";
    for (int i = 1; i <= routers; ++i) {
        if (i > 1) json += ",";
        json += "\"r" + std::to_string(i) +
                "\": {\"ip\": \"10.0.0.1\", \"port\": 22, \"username\": \"u\", \"password\": "
                "\"p\"}";
    }
    return std::make_shared<const inventory>(inventory::parse(json + "}"));
}

}  // namespace

TEST(scheduler, a_router_at_its_cap_is_skipped_for_another_job) {
    auto inv = fanout::test::numbered_inventory(4);
    recording_sink sink;
    scheduler s({}, sink);  // default cap: one session per router
    s.submit(spec_for(inv, "a", 1, 2));
    s.submit(spec_for(inv, "b", 1, 2));  // the same routers, r1 and r2
    s.submit(spec_for(inv, "c", 3, 2));
    auto t1 = *s.next_task(), t2 = *s.next_task(), t3 = *s.next_task();
    EXPECT_EQ(t1.owner->id + "/" + t1.target().name, "a/r1");
    EXPECT_EQ(t2.owner->id + "/" + t2.target().name, "b/r2") << "r1 is busy: b's next router";
    EXPECT_EQ(t3.owner->id + "/" + t3.target().name, "c/r3");
    auto t4 = *s.next_task();  // a's r2 and b's r1 are both busy: only c can go
    EXPECT_EQ(t4.owner->id + "/" + t4.target().name, "c/r4");

    // Nothing is dispatchable now; a worker waits (without spinning) until r1 is free.
    auto waiting = std::async(std::launch::async, [&] { return s.next_task(); });
    EXPECT_EQ(waiting.wait_for(std::chrono::milliseconds(100)), std::future_status::timeout);
    finish(s, t1);  // a/r1 done: b may now take r1
    ASSERT_EQ(waiting.wait_for(std::chrono::seconds(10)), std::future_status::ready);
    auto t5 = *waiting.get();
    EXPECT_EQ(t5.owner->id + "/" + t5.target().name, "b/r1");
    finish(s, t2);
    auto t6 = *s.next_task();
    EXPECT_EQ(t6.owner->id + "/" + t6.target().name, "a/r2");
    for (auto* t : {&t3, &t4, &t5, &t6}) finish(s, *t);
    EXPECT_EQ(sink.jobs.size(), 3u);
}

TEST(scheduler, never_more_tasks_on_one_router_than_its_cap_across_jobs) {
    auto inv = same_router_inventory(20);
    recording_sink sink;
    scheduler_limits limits;
    limits.max_sessions_per_router = 3;
    scheduler s(limits, sink);
    for (int j = 0; j < 4; ++j) s.submit(spec_for(inv, "j" + std::to_string(j), 1 + j * 5, 5));
    std::vector<router_task> running;
    for (int i = 0; i < 3; ++i) running.push_back(*s.next_task());
    auto fourth = std::async(std::launch::async, [&] { return s.next_task(); });
    EXPECT_EQ(fourth.wait_for(std::chrono::milliseconds(100)), std::future_status::timeout)
        << "three sessions on 10.0.0.1:22 already";
    // Serve everything with 3 in flight: each finish lets exactly one more start.
    std::size_t dispatched = 3;
    std::set<std::string> jobs_in_first_round;
    for (auto& t : running) jobs_in_first_round.insert(t.owner->id);
    EXPECT_EQ(jobs_in_first_round.size(), 3u) << "fair: three different jobs go first";
    finish(s, running.front());
    running.erase(running.begin());
    ASSERT_EQ(fourth.wait_for(std::chrono::seconds(10)), std::future_status::ready);
    running.push_back(*fourth.get());
    ++dispatched;
    while (dispatched < 20) {
        finish(s, running.front());
        running.erase(running.begin());
        running.push_back(*s.next_task());
        ++dispatched;
        EXPECT_LE(running.size(), 3u);
    }
    for (auto& t : running) finish(s, t);
    EXPECT_EQ(sink.jobs.size(), 4u);
}

TEST(scheduler, cancelling_a_job_parked_behind_a_busy_router_ends_it) {
    auto inv = fanout::test::numbered_inventory(2);
    recording_sink sink;
    scheduler s({}, sink);
    s.submit(spec_for(inv, "first", 1, 1));
    s.submit(spec_for(inv, "parked", 1, 1));
    auto running = *s.next_task();
    auto waiting = std::async(std::launch::async, [&] { return s.next_task(); });
    EXPECT_EQ(waiting.wait_for(std::chrono::milliseconds(50)), std::future_status::timeout);
    auto status = s.cancel("parked");
    ASSERT_TRUE(status);
    EXPECT_EQ(status->state, job_state::cancelled);
    finish(s, running);
    s.shutdown();
    ASSERT_EQ(waiting.wait_for(std::chrono::seconds(10)), std::future_status::ready);
    EXPECT_FALSE(waiting.get()) << "the cancelled job's router is never dispatched";
    EXPECT_TRUE(s.wait_idle(std::chrono::steady_clock::now()));
}

TEST(scheduler, many_jobs_on_one_router_dispatch_quickly_for_a_5000_router_job) {
    // One 5000-router job plus 200 single-router jobs all on a router that is busy: the big
    // job's routers still go out one per call, without rescanning the blocked jobs each time.
    auto inv = fanout::test::numbered_inventory(5001);
    recording_sink sink;
    scheduler s({}, sink);
    s.submit(spec_for(inv, "hog", 5001, 1));
    auto hog = *s.next_task();
    for (int i = 0; i < 200; ++i) s.submit(spec_for(inv, "w" + std::to_string(i), 5001, 1));
    s.submit(spec_for(inv, "big", 1, 5000));
    auto start = std::chrono::steady_clock::now();
    for (int i = 0; i < 5000; ++i) {
        auto t = s.next_task();
        ASSERT_TRUE(t);
        ASSERT_EQ(t->owner->id, "big");
        finish(s, *t);
    }
    EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(5));
    finish(s, hog);
    for (int i = 0; i < 200; ++i) {
        auto t = s.next_task();
        ASSERT_TRUE(t);
        finish(s, *t);
    }
    EXPECT_EQ(sink.jobs.size(), 202u);
}

TEST(scheduler, a_submit_wakes_one_idle_worker_per_task) {
    auto inv = fanout::test::numbered_inventory(3);
    recording_sink sink;
    scheduler s({}, sink);
    // Three workers that take a task and keep it: each must get its own wake-up, since none
    // of them comes back to look for more work.
    std::vector<std::future<std::optional<router_task>>> workers;
    for (int i = 0; i < 3; ++i)
        workers.push_back(std::async(std::launch::async, [&] { return s.next_task(); }));
    while (s.stats().waiting_workers < 3) std::this_thread::yield();
    s.submit(spec_for(inv, "three", 1, 3));
    std::set<std::size_t> taken;
    for (auto& w : workers) {
        if (w.wait_for(std::chrono::seconds(10)) != std::future_status::ready) break;
        if (auto t = w.get()) taken.insert(t->router_index);
    }
    s.shutdown();  // releases any worker still waiting, so a failure cannot hang the test
    EXPECT_EQ(taken, (std::set<std::size_t>{0, 1, 2}));
}

TEST(scheduler, a_kept_result_holds_only_its_bytes) {
    auto inv = fanout::test::numbered_inventory(1);
    recording_sink sink;
    scheduler s({}, sink);
    s.submit(spec_for(inv, "small", 1, 1));
    auto t = s.next_task();
    auto r = fanout::testing::ok_result();
    r.output.reserve(1u << 20);  // as left by output that streamed in and grew by doubling
    r.output = "short answer";
    s.record(*t, 0, std::move(r));
    s.task_finished(*t);
    ASSERT_EQ(sink.jobs.size(), 1u);
    EXPECT_EQ(sink.jobs[0]->results[0].output, "short answer");
    EXPECT_LT(sink.jobs[0]->results[0].output.capacity(), 4096u);
}

TEST(scheduler, reports_each_router_as_needed_until_its_task_finishes_or_is_cancelled) {
    auto inv = fanout::test::numbered_inventory(4);
    recording_sink sink;
    counting_demand demand;
    scheduler s({}, sink, nullptr, {}, &demand);
    s.submit(spec_for(inv, "a", 1, 3));
    s.submit(spec_for(inv, "b", 2, 3));
    EXPECT_EQ(demand.needed,
              (std::map<std::string, int>{{"r1", 1}, {"r2", 2}, {"r3", 2}, {"r4", 1}}));
    auto first = *s.next_task();  // a/r1
    EXPECT_EQ(demand.needed["r1"], 1) << "running: still needed until it finishes";
    finish(s, first);
    EXPECT_EQ(demand.needed.count("r1"), 0u);
    auto second = *s.next_task();  // b/r2
    s.cancel("a");                 // a/r2 and a/r3 never started
    EXPECT_EQ(demand.needed, (std::map<std::string, int>{{"r2", 1}, {"r3", 1}, {"r4", 1}}));
    finish(s, second);
    s.cancel("b");
    EXPECT_TRUE(demand.needed.empty());
}
