// The journal owes an ended job's audit job_end (docs/audit.md, "Crash semantics"): built with
// audit_job_ends, journal_log marks each job's end owed until job_audited; recovery reports the
// owed ones (kept_job::audit_owed), also through a restart's snapshot; without audit_job_ends
// nothing is owed.
#include <gtest/gtest.h>

#include <set>

#include "daemon/journal/journal.hpp"
#include "daemon/journal/journal_log.hpp"
#include "daemon/journal/recovery.hpp"
#include "daemon/scheduling/scheduler.hpp"
#include "tests/support/journal_files.hpp"
#include "tests/support/numbered_inventory.hpp"
#include "tests/support/temp_dir.hpp"

using namespace fanout::daemon;
using fanout::testing::accepted;
using fanout::testing::recording_sink;
using fanout::testing::spec_of;
using fanout::testing::succeed;
using fanout::testing::temp_dir;

namespace {

std::set<std::string> owed(const recovered_state& state) {
    std::set<std::string> out;
    for (const auto& k : state.ended)
        if (k.audit_owed) out.insert(k.result->job_id);
    return out;
}

// Runs jobs `ids` to their end, each on one router.
void run_jobs(bool audit_job_ends, const temp_dir& dir, const std::vector<std::string>& ids,
              const std::vector<std::string>& audited) {
    auto inv = fanout::test::numbered_inventory(1);
    journal file(dir.path());
    journal_log log(file, audit_job_ends);
    recording_sink sink;
    scheduler s({}, sink, &log);
    s.restore(recover(file.take_replayed(), false), inv);
    for (const auto& id : ids) {
        ASSERT_TRUE(accepted(s.submit(spec_of(inv, id, 1))));
        succeed(s, *s.next_task());
    }
    for (const auto& id : audited) log.job_audited(id);
    s.sync_log();
}

}  // namespace

TEST(journal_audit, an_ended_job_is_owed_until_audited_also_through_a_snapshot) {
    temp_dir dir;
    run_jobs(true, dir, {"a", "b", "c"}, {"a"});
    auto inv = fanout::test::numbered_inventory(1);
    {
        journal file(dir.path());
        auto state = recover(file.take_replayed(), false);
        EXPECT_EQ(owed(state), (std::set<std::string>{"b", "c"}));
        // The daemon's start-up: b's job_end is written now, c's is held (disk full) and stays
        // owed through the start-up snapshot.
        for (auto& k : state.ended) k.audit_owed = false;
        journal_log log(file, true);
        log.audit_owed("b");
        log.audit_owed("c");
        log.job_audited("b");
        recording_sink sink;
        scheduler s({}, sink, &log);
        s.restore(std::move(state), inv);  // the snapshot: 'F' records
    }
    {
        journal file(dir.path());
        auto state = recover(file.take_replayed(), false);
        EXPECT_EQ(state.ended.size(), 3u);
        EXPECT_EQ(owed(state), (std::set<std::string>{"c"}));
    }
}

TEST(journal_audit, without_an_audit_log_nothing_is_owed) {
    temp_dir dir;
    run_jobs(false, dir, {"a", "b"}, {});
    journal file(dir.path());
    auto state = recover(file.take_replayed(), false);
    EXPECT_EQ(state.ended.size(), 2u);
    EXPECT_TRUE(owed(state).empty());
}

// Retention (--keep-jobs 1 here) never forgets a job whose job_end is owed: a crash would lose
// that job_end for good. It waits at the oldest owed job, and goes on once it is audited.
TEST(journal_audit, retention_keeps_a_job_until_its_job_end_is_written) {
    temp_dir dir;
    auto inv = fanout::test::numbered_inventory(1);
    journal file(dir.path());
    journal_log log(file, true);
    recording_sink sink;
    scheduler_limits keep_one;
    keep_one.keep_jobs = 1;
    scheduler s(keep_one, sink, &log);
    s.restore(recover(file.take_replayed(), false), inv);
    const auto run = [&](const std::string& id) {
        ASSERT_TRUE(accepted(s.submit(spec_of(inv, id, 1))));
        succeed(s, *s.next_task());
    };
    run("a");
    run("b");  // a's job_end is not written: a stays
    EXPECT_TRUE(s.status("a")) << "forgotten with its job_end owed";
    EXPECT_TRUE(s.status("b"));
    log.job_audited("a");
    log.job_audited("b");
    run("c");  // now a and b go
    EXPECT_FALSE(s.status("a"));
    EXPECT_FALSE(s.status("b"));
    EXPECT_TRUE(s.status("c"));
}
