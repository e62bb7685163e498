// Journal: framed records survive a reopen; a torn tail ends the replay there without a crash
// (corruption inside a segment: test_journal_damage.cpp; a full disk: test_journal_disk_full.cpp);
// compaction replaces the old segment; and scheduler + journal_log + recovery bring back an
// unfinished job with its kept, interrupted and unstarted routers.
#include <gtest/gtest.h>

#include <thread>

#include "daemon/journal/journal.hpp"
#include "daemon/journal/journal_log.hpp"
#include "daemon/journal/recovery.hpp"
#include "daemon/scheduling/job_deadline.hpp"
#include "daemon/scheduling/job_digest.hpp"
#include "daemon/scheduling/scheduler.hpp"
#include "tests/support/journal_files.hpp"
#include "tests/support/numbered_inventory.hpp"
#include "tests/support/temp_dir.hpp"

using namespace fanout::daemon;
using namespace fanout::testing;
using fanout::protocol::error_kind;
using fanout::protocol::job_state;
using fanout::protocol::router_result;
using fanout::protocol::router_status;

TEST(Journal, Crc32MatchesTheStandardCheckValue) {
    EXPECT_EQ(crc32("123456789"), 0xCBF43926u);
}

TEST(Journal, RecordsSurviveAReopen) {
    temp_dir dir;
    write_sample(dir);
    EXPECT_EQ(replayed(dir), (std::vector<std::string>{"M:m", "A:first", "B:xxxxx", "C:third"}));
}

TEST(Journal, AppendsBeforeTheFirstSnapshotAreDropped) {
    temp_dir dir;
    {
        journal j(dir.path());
        EXPECT_EQ(j.append('A', "lost"), 0u);
    }
    EXPECT_TRUE(journal_segments(dir.path()).empty());
    EXPECT_TRUE(replayed(dir).empty());
}

TEST(Journal, TornTailIsIgnoredWithoutACrash) {
    temp_dir dir;
    write_sample(dir);
    auto path = journal_segments(dir.path()).at(0);
    auto bytes = read_bytes(path);
    // Half of a fourth record, as a crash in the middle of write(2) leaves it.
    write_bytes(path, bytes + frame_record('D', "never completed").substr(0, 12));
    EXPECT_EQ(replayed(dir), (std::vector<std::string>{"M:m", "A:first", "B:xxxxx", "C:third"}));
    // Cut inside the third record's header: the third is gone, the rest stays.
    write_bytes(path, bytes.substr(0, bytes.size() - frame_record('C', "third").size() + 3));
    EXPECT_EQ(replayed(dir), (std::vector<std::string>{"M:m", "A:first", "B:xxxxx"}));
}

TEST(Journal, CompactionReplacesTheOldSegment) {
    temp_dir dir;
    {
        journal j(dir.path(), 4096);
        j.begin_snapshot();
        j.finish_snapshot(j.end_snapshot("m1"));
        while (!j.wants_compaction()) j.append('A', std::string(100, 'a'));
        j.begin_snapshot();
        j.append('S', "state");
        auto ticket = j.end_snapshot("m2");
        EXPECT_EQ(journal_segments(dir.path()).size(),
                  2u);  // the old one stays until the new one is durable
        j.finish_snapshot(ticket);
        EXPECT_EQ(journal_segments(dir.path()).size(), 1u);
        EXPECT_FALSE(j.wants_compaction());
        j.sync(j.append('A', "after"));
    }
    EXPECT_EQ(replayed(dir), (std::vector<std::string>{"S:state", "M:m2", "A:after"}));
}

TEST(Journal, ASegmentWithoutMarkerFallsBackToThePreviousOne) {
    temp_dir dir;
    write_sample(dir);
    // A compaction that crashed before its marker: a newer segment with only a partial snapshot.
    write_bytes(dir.file("journal-0000000009.log"), frame_record('S', "partial"));
    EXPECT_EQ(replayed(dir), (std::vector<std::string>{"M:m", "A:first", "B:xxxxx", "C:third"}));
    {
        journal j(dir.path());
        j.begin_snapshot();
        j.finish_snapshot(j.end_snapshot("m"));
    }
    ASSERT_EQ(journal_segments(dir.path()).size(), 1u);  // both older segments removed
    EXPECT_EQ(journal_segments(dir.path())[0].filename(), "journal-0000000010.log");
}

TEST(Journal, ConcurrentWritersShareSyncsAndLoseNothing) {
    temp_dir dir;
    constexpr int threads = 8, per_thread = 200;
    {
        journal j(dir.path());
        j.begin_snapshot();
        j.finish_snapshot(j.end_snapshot("m"));
        std::vector<std::thread> writers;
        for (int t = 0; t < threads; ++t)
            writers.emplace_back([&j, t] {
                for (int i = 0; i < per_thread; ++i)
                    j.sync(j.append('A', std::to_string(t) + ":" + std::to_string(i)));
            });
        for (auto& w : writers) w.join();
    }
    journal j(dir.path());
    auto records = j.take_replayed();
    ASSERT_EQ(records.size(), 1u + threads * per_thread);
    std::vector<int> next(threads, 0);  // each writer's records are in its order
    for (std::size_t r = 1; r < records.size(); ++r) {
        auto colon = records[r].body.find(':');
        int t = std::stoi(records[r].body.substr(0, colon));
        EXPECT_EQ(std::stoi(records[r].body.substr(colon + 1)), next[t]++);
    }
}

TEST(Journal, TwoDaemonsCannotShareAStateDir) {
    temp_dir dir;
    journal first(dir.path());
    EXPECT_THROW(journal second(dir.path()), std::runtime_error);
}

// ---- scheduler + journal_log + recovery ----

namespace {

// Runs a first "life": job `done` ends; job `big` (4 routers) has r1 finished, r2 in flight.
void first_life(const temp_dir& dir, const std::shared_ptr<const inventory>& inv) {
    recording_sink sink;
    restarted run(dir, sink, inv);
    auto& s = run.s;
    ASSERT_TRUE(accepted(s.submit(spec_of(inv, "done", 1))));
    succeed(s, *s.next_task());
    ASSERT_TRUE(accepted(s.submit(spec_of(inv, "big", 4))));
    succeed(s, *s.next_task());
    auto in_flight = s.next_task();  // r2 started, never finished: the "crash" comes now
    ASSERT_EQ(in_flight->target().name, "r2");
    ASSERT_EQ(sink.results.back().seq, 2u);
}

}  // namespace

TEST(JournalRecovery, ReplayKeepsResultsInterruptsInFlightAndRunsTheRest) {
    temp_dir dir;
    auto inv = fanout::test::numbered_inventory(4);
    first_life(dir, inv);

    journal file(dir.path());
    auto state = recover(file.take_replayed(), false);
    ASSERT_EQ(state.ended.size(), 1u);
    EXPECT_EQ(state.ended[0].result->job_id, "done");
    ASSERT_EQ(state.resumed.size(), 1u);
    const auto& big = state.resumed[0];
    EXPECT_EQ(big.id, "big");
    ASSERT_TRUE(big.results[0].has_value());
    EXPECT_EQ(big.results[0]->output, "ok r1");
    EXPECT_EQ(big.interrupted, (std::vector<std::size_t>{1}));
    EXPECT_EQ(big.to_run, (std::vector<std::size_t>{2, 3}));
    EXPECT_EQ(state.next_seq, 3u);

    // The restored scheduler reports r2 interrupted, runs r3 and r4, and ends the job.
    journal_log log(file);
    recording_sink sink;
    scheduler s({}, sink, &log);
    s.restore(std::move(state), inv);
    ASSERT_EQ(sink.results.size(), 1u);
    EXPECT_EQ(sink.results[0].router_name, "r2");
    EXPECT_EQ(sink.results[0].status, router_status::failed);
    EXPECT_EQ(sink.results[0].error->kind, error_kind::interrupted);
    EXPECT_EQ(sink.results[0].seq, 3u);  // seq keeps increasing across the restart
    auto done = s.result("done");
    ASSERT_TRUE(std::holds_alternative<std::shared_ptr<const fanout::protocol::job_result>>(done));
    for (int i = 0; i < 2; ++i) succeed(s, *s.next_task());
    ASSERT_EQ(sink.jobs.size(), 1u);
    const auto& aggregate = *sink.jobs[0];
    EXPECT_EQ(aggregate.state, job_state::done);
    ASSERT_EQ(aggregate.results.size(), 4u);
    EXPECT_EQ(aggregate.summary.successful, 3u);
    EXPECT_EQ(aggregate.summary.failed, 1u);
    for (std::size_t i = 0; i < 4; ++i)
        EXPECT_EQ(aggregate.results[i].router_name, "r" + std::to_string(i + 1));
}

TEST(JournalRecovery, RerunInterruptedRunsTheInFlightRouterAgain) {
    temp_dir dir;
    auto inv = fanout::test::numbered_inventory(4);
    first_life(dir, inv);
    auto state = recovered(dir, true);
    ASSERT_EQ(state.resumed.size(), 1u);
    EXPECT_TRUE(state.resumed[0].interrupted.empty());
    EXPECT_EQ(state.resumed[0].to_run, (std::vector<std::size_t>{1, 2, 3}));
}

TEST(JournalRecovery, StartUpCompactionKeepsTheStateAcrossASecondRestart) {
    temp_dir dir;
    auto inv = fanout::test::numbered_inventory(4);
    first_life(dir, inv);
    {
        recording_sink sink;
        restarted run(dir, sink, inv);  // compacts: one segment left
        EXPECT_EQ(journal_segments(dir.path()).size(), 1u);
        succeed(run.s, *run.s.next_task());  // r3; r4 never starts
    }
    auto state = recovered(dir);
    ASSERT_EQ(state.ended.size(), 1u);
    ASSERT_EQ(state.resumed.size(), 1u);
    const auto& big = state.resumed[0];
    EXPECT_TRUE(big.interrupted.empty());  // r2's interrupted result was journaled
    ASSERT_TRUE(big.results[1].has_value());
    EXPECT_EQ(big.results[1]->error->kind, error_kind::interrupted);
    ASSERT_TRUE(big.results[2].has_value());
    EXPECT_EQ(big.to_run, (std::vector<std::size_t>{3}));
    EXPECT_EQ(state.next_seq, 5u);
}

TEST(JournalRecovery, UndecodableRecordsAreSkipped) {
    std::vector<journal_record> records{{'A', "not msgpack \xc1"}, {'R', ""}, {'Z', "x"}};
    auto state = recover(records, false);
    EXPECT_TRUE(state.resumed.empty());
    EXPECT_TRUE(state.ended.empty());
}

TEST(JournalRecovery, RuntimeCompactionKeepsOnlyTheRetainedJobs) {
    temp_dir dir;
    auto inv = fanout::test::numbered_inventory(1);
    scheduler_limits limits;
    limits.keep_jobs = 5;
    {
        recording_sink sink;
        restarted run(dir, sink, inv, limits, std::uint64_t{2048});
        auto& s = run.s;
        for (int i = 1; i <= 60; ++i) {
            ASSERT_TRUE(accepted(s.submit(spec_of(inv, "j" + std::to_string(i), 1))));
            succeed(s, *s.next_task());
        }
        auto segs = journal_segments(dir.path());
        ASSERT_EQ(segs.size(), 1u);
        EXPECT_NE(segs[0].filename(), "journal-0000000001.log");  // compacted while running
        EXPECT_LT(std::filesystem::file_size(segs[0]), 3 * 2048u);
    }
    auto state = recovered(dir);
    EXPECT_TRUE(state.resumed.empty());
    // The snapshot holds the 5 kept jobs; jobs that ended after it follow as changes.
    ASSERT_GE(state.ended.size(), 5u);
    EXPECT_LT(state.ended.size(), 60u);
    EXPECT_EQ(state.ended.back().result->job_id, "j60");
    EXPECT_EQ(state.next_seq, 61u);
    recording_sink sink;
    scheduler s(limits, sink);
    s.restore(std::move(state), inv);
    EXPECT_TRUE(std::holds_alternative<std::monostate>(s.result("j55")));
    for (int i = 56; i <= 60; ++i)
        EXPECT_TRUE((std::holds_alternative<std::shared_ptr<const fanout::protocol::job_result>>(
            s.result("j" + std::to_string(i)))));
}

TEST(JournalRecovery, AMultiCommandRouterInterruptedHalfwayKeepsItsFirstResult) {
    temp_dir dir;
    auto inv = fanout::test::numbered_inventory(2);
    {
        recording_sink sink;
        restarted run(dir, sink, inv);
        auto& s = run.s;
        auto spec = spec_of(inv, "two", 2);
        spec.commands = {"show version", "show chassis"};
        spec.single_command = false;
        ASSERT_TRUE(accepted(s.submit(std::move(spec))));
        auto task = s.next_task();
        router_result first;
        first.status = router_status::success;
        first.output = "version";
        s.record(*task, 0, first);  // the second command was running at the crash
    }
    journal file(dir.path());
    auto records = file.take_replayed();
    auto state = recover(records, false);
    ASSERT_EQ(state.resumed.size(), 1u);
    const auto& job = state.resumed[0];
    ASSERT_EQ(job.results.size(), 4u);
    ASSERT_TRUE(job.results[0].has_value());
    EXPECT_EQ(job.results[0]->output, "version");
    EXPECT_FALSE(job.results[1].has_value());
    EXPECT_EQ(job.interrupted, (std::vector<std::size_t>{0}));
    EXPECT_EQ(job.to_run, (std::vector<std::size_t>{1}));

    auto rerun = recover(records, true);
    EXPECT_FALSE(rerun.resumed[0].results[0].has_value());  // the router runs all again
    EXPECT_EQ(rerun.resumed[0].to_run, (std::vector<std::size_t>{0, 1}));

    recording_sink sink;
    scheduler s({}, sink);
    s.restore(std::move(state), inv);
    ASSERT_EQ(sink.results.size(), 1u);  // only the missing command is reported
    EXPECT_EQ(sink.results[0].command_index, 1u);
    EXPECT_EQ(sink.results[0].error->kind, error_kind::interrupted);
}

// A job's format survives a restart: journaled with the job (only when not text), restored
// into the resumed job, and part of its digest as at submit time.
TEST(JournalRecovery, AJobsFormatAndDataSurviveARestart) {
    temp_dir dir;
    auto inv = fanout::test::numbered_inventory(2);
    std::string digest_at_submit;
    {
        recording_sink sink;
        restarted run(dir, sink, inv);
        auto& s = run.s;
        auto spec = spec_of(inv, "formatted", 2);
        spec.format = fanout::protocol::output_format::json;
        ASSERT_TRUE(accepted(s.submit(spec)));
        auto task = s.next_task();
        fanout::protocol::router_result r;
        r.status = router_status::success;
        r.output = "[1]";
        r.data = std::string("\x91\x01", 2);  // msgpack [1]
        s.record(*task, 0, r);
        s.task_finished(*task);
        (void)s.next_task();  // r2 in flight at the "crash"
    }
    auto state = recovered(dir);
    ASSERT_EQ(state.resumed.size(), 1u);
    const auto& job = state.resumed[0];
    EXPECT_EQ(job.format, fanout::protocol::output_format::json);
    EXPECT_EQ(job.digest,
              fanout::daemon::job_digest({"show version"}, true, {"r1", "r2"}, job.timeout,
                                         fanout::protocol::output_format::json));
    EXPECT_NE(job.digest,
              fanout::daemon::job_digest({"show version"}, true, {"r1", "r2"}, job.timeout));
    ASSERT_TRUE(job.results[0].has_value());
    ASSERT_TRUE(job.results[0]->data);
    EXPECT_EQ(*job.results[0]->data, std::string("\x91\x01", 2));
}

// ---- Execution controls (issue 14): journaled with the job, a stop by rule survives a restart,
// and the digest covers the controls only when they are set. ----

namespace {

fanout::protocol::router_result failed_result() {
    fanout::protocol::router_result r;
    r.status = router_status::failed;
    r.error = fanout::protocol::router_error{error_kind::exit_status, "exit status 1"};
    return r;
}

}  // namespace

TEST(JournalRecovery, DigestsWithoutControlsAreThoseOfBefore) {
    // Pinned from fanoutd before execution controls existed.
    EXPECT_EQ(job_digest({"show version"}, true, {"r1", "r2"}, std::chrono::milliseconds(60000)),
              job_digest({"show version"}, true, {"r1", "r2"}, std::chrono::milliseconds(60000),
                         fanout::protocol::output_format::text, {}));
    EXPECT_EQ(job_digest({"show version"}, true, {"r1", "r2"}, std::chrono::milliseconds(60000)),
              "28a7e52b856ebbd032baa9b9391d95a3");
    fanout::protocol::execution_controls canary{.canary = 1};
    fanout::protocol::execution_controls parallel{.max_parallel = 1};
    const auto plain = job_digest({"show version"}, true, {"r1"}, std::chrono::seconds(1));
    const auto with_canary = job_digest({"show version"}, true, {"r1"}, std::chrono::seconds(1),
                                        fanout::protocol::output_format::text, canary);
    EXPECT_NE(plain, with_canary);
    EXPECT_NE(with_canary, job_digest({"show version"}, true, {"r1"}, std::chrono::seconds(1),
                                      fanout::protocol::output_format::text, parallel));
}

TEST(JournalRecovery, AJobStoppedByItsRuleStaysStoppedAfterACrash) {
    temp_dir dir;
    auto inv = fanout::test::numbered_inventory(5);
    fanout::protocol::execution_controls controls{.max_parallel = 2, .stop_after_failures = 1};
    {
        recording_sink sink;
        restarted run(dir, sink, inv);
        auto spec = spec_of(inv, "stopped", 5);
        spec.controls = controls;
        ASSERT_TRUE(accepted(run.s.submit(spec)));
        auto a = *run.s.next_task();
        auto b = *run.s.next_task();  // r2: in flight at the "kill -9"
        (void)b;
        run.s.record(a, 0, failed_result());
        run.s.task_finished(a);  // stopped: r3..r5 cancelled, synced
    }
    auto state = recovered(dir);
    ASSERT_EQ(state.resumed.size(), 1u);
    EXPECT_EQ(state.resumed[0].controls, controls);
    EXPECT_EQ(state.resumed[0].stopped_by, "stop_after_failures");
    EXPECT_EQ(
        state.resumed[0].digest,
        job_digest({"show version"}, true, {"r1", "r2", "r3", "r4", "r5"}, state.resumed[0].timeout,
                   fanout::protocol::output_format::text, controls));
    EXPECT_FALSE(state.resumed[0].cancelled) << "a stop is not a cancel";

    recording_sink sink;
    {
        scheduler s({}, sink);
        s.restore(std::move(state), inv);
    }
    const auto* job = sink.job("stopped");
    ASSERT_TRUE(job) << "r2 interrupted, nothing left to run: the job ends";
    EXPECT_EQ(job->state, job_state::cancelled);
    EXPECT_EQ(job->stopped_by, "stop_after_failures");
    EXPECT_EQ(job->results[1].error->kind, error_kind::interrupted);
    EXPECT_EQ(job->results[4].error->kind, error_kind::stopped);
}

TEST(JournalRecovery, FailuresBeforeACrashStillCountTowardsTheRule) {
    temp_dir dir;
    auto inv = fanout::test::numbered_inventory(4);
    {
        recording_sink sink;
        restarted run(dir, sink, inv);
        auto spec = spec_of(inv, "counted", 4);
        spec.controls = {.max_parallel = 1, .stop_after_failures = 2};
        run.s.submit(spec);
        auto a = *run.s.next_task();
        run.s.record(a, 0, failed_result());
        run.s.task_finished(a);  // one failure; nothing in flight at the crash
    }
    recording_sink sink;
    restarted run(dir, sink, inv);
    auto b = *run.s.next_task();
    EXPECT_EQ(b.target().name, "r2");
    EXPECT_EQ(run.s.status("counted")->running, 1u) << "max_parallel came back too";
    run.s.record(b, 0, failed_result());  // the second failure overall
    run.s.task_finished(b);
    const auto* job = sink.job("counted");
    ASSERT_TRUE(job);
    EXPECT_EQ(job->stopped_by, "stop_after_failures");
    EXPECT_EQ(job->summary.cancelled, 2u);
}

TEST(JournalRecovery, ACanaryInterruptedByACrashHasNotPassed) {
    temp_dir dir;
    auto inv = fanout::test::numbered_inventory(3);
    {
        recording_sink sink;
        restarted run(dir, sink, inv);
        auto spec = spec_of(inv, "canary", 3);
        spec.controls = {.canary = 1};
        spec.deadline = std::chrono::milliseconds(5000);
        run.s.submit(spec);
        (void)run.s.next_task();  // r1, the canary, in flight at the crash
    }
    {
        recording_sink sink;
        restarted run(dir, sink, inv);
        const auto* job = sink.job("canary");
        ASSERT_TRUE(job);
        EXPECT_EQ(job->stopped_by, "canary");
        EXPECT_EQ(job->results[0].error->kind, error_kind::interrupted);
        EXPECT_EQ(job->results[2].error->kind, error_kind::stopped);
    }
    // The ended job, kept through the restart's snapshot, still says so after another one.
    recording_sink again;
    restarted second(dir, again, inv);
    auto result = second.s.result("canary");
    auto* aggregate = std::get_if<std::shared_ptr<const fanout::protocol::job_result>>(&result);
    ASSERT_TRUE(aggregate);
    EXPECT_EQ((*aggregate)->stopped_by, "canary");
    auto status = second.s.status("canary");  // status says it too, not only the aggregate
    ASSERT_TRUE(status);
    EXPECT_EQ(status->stopped_by, "canary");
    EXPECT_DOUBLE_EQ(status->deadline.value_or(0), 5.0) << "and its deadline";
}

// Issue 13: an ended job that left retention stays gone after a restart, also when the
// restarted daemon keeps jobs longer (its records are still in the journal until compaction).
TEST(JournalRecovery, AJobThatLeftRetentionDoesNotComeBackUnderALongerRetention) {
    temp_dir dir;
    auto inv = fanout::test::numbered_inventory(1);
    scheduler_limits limits;
    limits.keep_jobs = 1;
    {
        recording_sink sink;
        restarted run(dir, sink, inv, limits);
        auto& s = run.s;
        for (std::string id : {"old", "new"}) {
            ASSERT_TRUE(accepted(s.submit(spec_of(inv, id, 1))));
            succeed(s, *s.next_task());
        }
        s.sync_log();
        EXPECT_TRUE(std::holds_alternative<std::monostate>(s.result("old")));  // --keep-jobs 1
    }
    auto state = recovered(dir);
    ASSERT_EQ(state.ended.size(), 1u);
    EXPECT_EQ(state.ended.front().result->job_id, "new");
}

// Issue 13: a job's deadline survives a restart (journaled only when set), with the digest it
// had at submit time; a job without one keeps the digest it always had.
TEST(JournalRecovery, AJobsDeadlineSurvivesARestart) {
    temp_dir dir;
    auto inv = fanout::test::numbered_inventory(2);
    {
        recording_sink sink;
        restarted run(dir, sink, inv);
        auto& s = run.s;
        auto spec = spec_of(inv, "bounded", 2);
        spec.deadline = std::chrono::milliseconds(5000);
        ASSERT_TRUE(accepted(s.submit(spec)));
        ASSERT_TRUE(accepted(s.submit(spec_of(inv, "unbounded", 2))));
        (void)s.next_task();  // in flight at the "crash"
    }
    auto state = recovered(dir);
    ASSERT_EQ(state.resumed.size(), 2u);
    const auto& bounded = state.resumed[0];
    ASSERT_TRUE(bounded.deadline);
    EXPECT_EQ(*bounded.deadline, std::chrono::milliseconds(5000));
    const auto plain =
        fanout::daemon::job_digest({"show version"}, true, {"r1", "r2"}, bounded.timeout);
    EXPECT_EQ(bounded.digest,
              fanout::daemon::digest_with_deadline(plain, std::chrono::milliseconds(5000)));
    EXPECT_FALSE(state.resumed[1].deadline);
    EXPECT_EQ(state.resumed[1].digest, plain);
}
