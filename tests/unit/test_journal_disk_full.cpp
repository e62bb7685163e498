// A journal that cannot write (issue 10, finding 16: after a disk-full episode, a job answered
// `done` came back with other results). A failed write holds records in memory, in order, and
// leaves no partial record; nothing is published, and no job ends, before its records are
// written; no router starts before its start is; a start-up that cannot write its snapshot
// fails and keeps the old segment. The full disk is RLIMIT_FSIZE: writes past it fail with
// EFBIG as they fail with ENOSPC on a full file system, and no root is needed.
#include <gtest/gtest.h>

#include <thread>

#include "daemon/journal/journal.hpp"
#include "daemon/journal/journal_log.hpp"
#include "daemon/journal/recovery.hpp"
#include "daemon/scheduling/scheduler.hpp"
#include "tests/support/disk_full.hpp"
#include "tests/support/journal_files.hpp"
#include "tests/support/numbered_inventory.hpp"
#include "tests/support/temp_dir.hpp"

using namespace fanout::daemon;
using namespace fanout::testing;
using fanout::protocol::error_reply;
using fanout::protocol::job_result;
using fanout::protocol::job_state;
using fanout::protocol::router_result;
using fanout::protocol::router_status;

namespace {

std::uintmax_t segment_size(const temp_dir& dir) {
    return std::filesystem::file_size(journal_segments(dir.path()).back());
}

}  // namespace

// The finding itself: the last result of a job could not be written, the job was reported
// ended anyway, and after a restart it came back with that router `interrupted`.
TEST(JournalDiskFull, AJobIsReportedEndedOnlyOnceItsResultsAreWrittenAndComesBackAsReported) {
    temp_dir dir;
    auto inv = fanout::test::numbered_inventory(2);
    std::shared_ptr<const job_result> reported;
    {
        recording_sink sink;
        restarted run(dir, sink, inv, {}, std::uint64_t{64} << 20, std::chrono::milliseconds(10));
        auto& s = run.s;
        ASSERT_TRUE(accepted(s.submit(spec_of(inv, "full", 2))));
        auto first = s.next_task();
        auto second = s.next_task();  // both starts are durable
        s.record(*first, 0, ok_from(*first));
        s.task_finished(*first);
        {
            disk_full full(segment_size(dir));
            s.record(*second, 0, ok_from(*second));
            EXPECT_TRUE(sink.jobs.empty())
                << "the job was reported ended while its last result was not in the journal";
            EXPECT_EQ(sink.results.size(), 1u) << "a result the journal lacks was published";
            EXPECT_EQ(s.status("full")->state, job_state::running);
            EXPECT_TRUE(std::holds_alternative<fanout::protocol::status_reply>(s.result("full")));
        }
        s.task_finished(*second);  // room again: written, then published, then ended
        ASSERT_EQ(sink.results.size(), 2u);
        ASSERT_EQ(sink.jobs.size(), 1u);
        reported = sink.jobs[0];
        EXPECT_EQ(reported->summary.successful, 2u);
    }  // a crash: no shutdown
    auto state = recovered(dir);
    EXPECT_TRUE(state.resumed.empty()) << "the ended job came back as unfinished";
    ASSERT_EQ(state.ended.size(), 1u);
    const auto& kept = *state.ended[0].result;
    EXPECT_EQ(kept.summary.successful, 2u);
    ASSERT_EQ(kept.results.size(), reported->results.size());
    for (std::size_t i = 0; i < kept.results.size(); ++i) {
        EXPECT_EQ(kept.results[i].seq, reported->results[i].seq);
        EXPECT_EQ(kept.results[i].status, reported->results[i].status);
        EXPECT_EQ(kept.results[i].output, reported->results[i].output);
    }
}

TEST(JournalDiskFull, AFailedWriteHoldsRecordsInOrderAndLeavesNoPartialRecord) {
    temp_dir dir;
    {
        journal j(dir.path());
        j.begin_snapshot();
        ASSERT_TRUE(j.finish_snapshot(j.end_snapshot("m")));
        j.append('A', "first");
        auto before = segment_size(dir);
        disk_full full(before + 5);  // room for five bytes of the next record only
        auto b = j.append('B', std::string(1000, 'x'));
        auto c = j.append('C', "third");
        EXPECT_GT(c, b);
        EXPECT_FALSE(j.written(b));
        EXPECT_FALSE(j.written(c));
        EXPECT_EQ(segment_size(dir), before) << "a partial record was left in the segment";
        EXPECT_FALSE(j.begin_snapshot()) << "no compaction while records are held";
        EXPECT_FALSE(j.wants_compaction());
        full.lift();
        EXPECT_TRUE(j.written(c));
        EXPECT_TRUE(j.sync(c));
    }
    EXPECT_EQ(replayed(dir), (std::vector<std::string>{"M:m", "A:first", "B:xxxxx", "C:third"}));
}

TEST(JournalDiskFull, SyncWaitsForHeldRecordsAndWritesThemOnceThereIsRoom) {
    temp_dir dir;
    journal j(dir.path(), std::uint64_t{64} << 20, std::chrono::milliseconds(5));
    j.begin_snapshot();
    ASSERT_TRUE(j.finish_snapshot(j.end_snapshot("m")));
    disk_full full(segment_size(dir));
    auto ticket = j.append('A', "held");
    bool synced = false;
    std::thread waiter([&] { synced = j.sync(ticket); });  // retries until there is room
    full.lift();
    waiter.join();
    EXPECT_TRUE(synced);
    EXPECT_TRUE(j.written(ticket));
}

TEST(JournalDiskFull, SyncStopsWaitingWhenToldAndSaysSo) {
    temp_dir dir;
    journal j(dir.path());
    j.begin_snapshot();
    ASSERT_TRUE(j.finish_snapshot(j.end_snapshot("m")));
    disk_full full(segment_size(dir));
    auto ticket = j.append('A', "held");
    bool synced = true;
    std::thread waiter([&] { synced = j.sync(ticket); });
    j.stop_waiting();
    waiter.join();
    EXPECT_FALSE(synced);
}

TEST(JournalDiskFull, NoRouterStartsWhileItsStartCannotBeWrittenAndSubmitIsBusy) {
    temp_dir dir;
    auto inv = fanout::test::numbered_inventory(1);
    {
        recording_sink sink;
        restarted run(dir, sink, inv);
        auto& s = run.s;
        ASSERT_TRUE(accepted(s.submit(spec_of(inv, "stuck", 1))));
        ASSERT_TRUE(accepted(s.submit(spec_of(inv, "other", 1))));
        disk_full full(segment_size(dir));
        s.cancel("other");  // its records are held: from now on the journal cannot write
        std::optional<router_task> task;
        std::thread worker([&] { task = s.next_task(); });  // its start is held
        auto busy = s.submit(spec_of(inv, "refused", 1));
        ASSERT_TRUE(std::holds_alternative<error_reply>(busy));
        EXPECT_EQ(std::get<error_reply>(busy).code, fanout::protocol::error_code::busy);
        s.stop_waiting_for_journal();  // shutdown with the disk still full
        worker.join();
        EXPECT_FALSE(task.has_value()) << "a router ran whose start is not in the journal";
        EXPECT_TRUE(sink.results.empty());
        EXPECT_TRUE(sink.jobs.empty());
        EXPECT_TRUE(s.wait_idle(std::chrono::steady_clock::now()));  // shutdown can go on
    }
    // After the restart the router runs: its start was never written, so it never ran.
    auto state = recovered(dir);
    ASSERT_EQ(state.resumed.size(), 2u);  // the cancel of `other` was never written either
    EXPECT_EQ(state.resumed[0].id, "stuck");
    EXPECT_EQ(state.resumed[0].to_run, (std::vector<std::size_t>{0}));
}

TEST(JournalDiskFull, AStartUpThatCannotWriteItsSnapshotFailsAndKeepsTheOldSegment) {
    temp_dir dir;
    auto inv = fanout::test::numbered_inventory(1);
    {
        recording_sink sink;
        restarted run(dir, sink, inv);
        auto& s = run.s;
        ASSERT_TRUE(accepted(s.submit(spec_of(inv, "kept", 1))));
        auto task = s.next_task();
        s.record(*task, 0, ok_from(*task));
        s.task_finished(*task);
    }
    {
        journal file(dir.path());
        journal_log log(file);
        recording_sink sink;
        scheduler s({}, sink, &log);
        disk_full full(10);
        EXPECT_THROW(s.restore(recover(file.take_replayed(), false), inv), std::runtime_error);
    }
    auto state = recovered(dir);
    ASSERT_EQ(state.ended.size(), 1u);
    EXPECT_EQ(state.ended[0].result->job_id, "kept");
}
