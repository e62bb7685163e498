// A damaged journal (issue 10, findings 14 and 15): a flipped bit inside a segment is skipped,
// not taken for a torn tail, so the records after it are kept; a router whose start may have
// been lost is reported interrupted, never run again (unless --rerun-interrupted); a flipped
// bit in the first record loses nothing else; and a segment that could not be read completely
// is moved aside, never deleted.
#include <gtest/gtest.h>

#include "daemon/journal/journal.hpp"
#include "daemon/journal/journal_log.hpp"
#include "daemon/journal/recovery.hpp"
#include "daemon/scheduling/scheduler.hpp"
#include "tests/support/journal_files.hpp"
#include "tests/support/numbered_inventory.hpp"
#include "tests/support/temp_dir.hpp"

using namespace fanout::daemon;
using namespace fanout::testing;
using fanout::protocol::error_kind;
using fanout::protocol::router_result;
using fanout::protocol::router_status;

namespace {

std::string first_segment(const temp_dir& dir) {
    return journal_segments(dir.path()).at(0).string();
}

// One life, then a crash: job `big` (4 routers) ran r1, r2 and r3, r4 never started; job
// `later` (2 routers) was accepted after that and never started.
void three_of_four_ran(const temp_dir& dir, const std::shared_ptr<const inventory>& inv) {
    recording_sink sink;
    restarted run(dir, sink, inv);
    auto& s = run.s;
    ASSERT_TRUE(accepted(s.submit(spec_of(inv, "big", 4))));
    for (int i = 0; i < 3; ++i) succeed(s, *s.next_task());
    ASSERT_TRUE(accepted(s.submit(spec_of(inv, "later", 2))));
    ASSERT_EQ(sink.results.size(), 3u);
}

const resumed_job& resumed(const recovered_state& state, const std::string& id) {
    for (const auto& j : state.resumed)
        if (j.id == id) return j;
    throw std::runtime_error("job " + id + " not resumed");
}

}  // namespace

TEST(JournalDamage, ACorruptRecordInTheMiddleIsSkippedNotTakenForATornTail) {
    temp_dir dir;
    write_sample(dir);
    flip_body_bit(first_segment(dir), 'B');
    EXPECT_EQ(replayed(dir), (std::vector<std::string>{"M:m", "A:first", "?", "C:third"}));
}

TEST(JournalDamage, ACorruptLengthFieldIsSkippedByFindingTheNextGoodRecord) {
    temp_dir dir;
    write_sample(dir);
    auto path = first_segment(dir);
    auto clean = read_bytes(path);
    auto a = frame_record('M', "m").size();  // where record A starts
    for (auto length : {'\x7f', '\x02', '\x40'}) {
        auto bytes = clean;
        bytes[a + (length == '\x7f' ? 3 : 0)] = length;  // far past the end, short, or long
        write_bytes(path, bytes);
        EXPECT_EQ(replayed(dir), (std::vector<std::string>{"M:m", "?", "B:xxxxx", "C:third"}))
            << "length byte " << int(length);
    }
}

TEST(JournalDamage, ABadLastRecordIsATornTailAndNothingElseIsLost) {
    temp_dir dir;
    write_sample(dir);
    flip_body_bit(first_segment(dir), 'C');
    EXPECT_EQ(replayed(dir), (std::vector<std::string>{"M:m", "A:first", "B:xxxxx"}));
}

TEST(JournalDamage, ACorruptFirstRecordLosesOnlyItAndTheSegmentIsMovedAsideNotDeleted) {
    temp_dir dir;
    write_sample(dir);
    auto path = first_segment(dir);
    flip_body_bit(path, 'M');
    auto damaged = read_bytes(path);
    EXPECT_EQ(replayed(dir), (std::vector<std::string>{"?", "A:first", "B:xxxxx", "C:third"}));
    {
        journal j(dir.path());
        j.begin_snapshot();
        auto marker = j.end_snapshot("m2");
        EXPECT_EQ(journal_segments(dir.path()).size(), 2u);  // kept until the new one is durable
        j.finish_snapshot(marker);
    }
    ASSERT_EQ(journal_segments(dir.path()).size(), 1u);
    auto aside = files_named(dir.path(), "journal-0000000001.log.corrupt-");
    ASSERT_EQ(aside.size(), 1u) << "the unreadable segment was deleted";
    EXPECT_EQ(read_bytes(aside[0]), damaged);
    // Never read again: the next start sees only the new segment.
    EXPECT_EQ(replayed(dir), (std::vector<std::string>{"M:m2"}));
}

TEST(JournalDamage, ANewerSegmentWithoutItsMarkerAndWithDamageIsMovedAsideToo) {
    temp_dir dir;
    write_sample(dir);
    // A newer segment whose marker may be what was lost: two good records around a bad one.
    auto newer = frame_record('S', "state") + frame_record('M', "m9") + frame_record('A', "x");
    newer[frame_record('S', "state").size() + 10] ^= 0x01;
    write_bytes(dir.file("journal-0000000009.log"), newer);
    // The older segment is used; the jobs running at its end are treated as damaged ("?").
    EXPECT_EQ(replayed(dir),
              (std::vector<std::string>{"M:m", "A:first", "B:xxxxx", "C:third", "?"}));
    {
        journal j(dir.path());
        j.begin_snapshot();
        j.finish_snapshot(j.end_snapshot("m"));
    }
    EXPECT_EQ(files_named(dir.path(), "journal-0000000009.log.corrupt-").size(), 1u);
    EXPECT_EQ(journal_segments(dir.path()).size(), 1u);
}

// Finding 14: a flipped bit in the start record of r2 made recovery drop everything after it;
// r2 and r3, which had run and published, ran a second time.
TEST(JournalDamage, NoRouterThatRanRunsAgainAfterAFlippedBitInTheMiddle) {
    temp_dir dir;
    auto inv = fanout::test::numbered_inventory(4);
    three_of_four_ran(dir, inv);
    flip_body_bit(first_segment(dir), 'S', 1);  // r2's start

    journal file(dir.path());
    auto records = file.take_replayed();
    auto state = recover(records, false);
    const auto& big = resumed(state, "big");
    for (std::size_t i = 0; i < 3; ++i) {
        ASSERT_TRUE(big.results[i].has_value()) << "r" << i + 1 << " lost its result";
        EXPECT_EQ(big.results[i]->output, "ok r" + std::to_string(i + 1));
    }
    EXPECT_TRUE(big.to_run.empty()) << "a router of a job the lost record may belong to runs";
    // r4's start may have been the lost record: it is reported interrupted, not run.
    EXPECT_EQ(big.interrupted, (std::vector<std::size_t>{3}));
    EXPECT_TRUE(big.damaged);
    // A job accepted after the damage is not affected by it.
    const auto& later = resumed(state, "later");
    EXPECT_EQ(later.to_run, (std::vector<std::size_t>{0, 1}));
    EXPECT_FALSE(later.damaged);
    EXPECT_EQ(state.next_seq, 4u);

    // --rerun-interrupted runs r4, and still not r1..r3.
    auto rerun = recover(records, true);
    EXPECT_EQ(resumed(rerun, "big").to_run, (std::vector<std::size_t>{3}));

    // The restored scheduler reports r4 failed/interrupted, saying why.
    journal_log log(file);
    recording_sink sink;
    scheduler s({}, sink, &log);
    s.restore(std::move(state), inv);
    ASSERT_EQ(sink.results.size(), 1u);
    EXPECT_EQ(sink.results[0].router_name, "r4");
    EXPECT_EQ(sink.results[0].status, router_status::failed);
    EXPECT_EQ(sink.results[0].error->kind, error_kind::interrupted);
    EXPECT_NE(sink.results[0].error->message.find("journal lost records"), std::string::npos);
    ASSERT_EQ(sink.jobs.size(), 1u);  // `big` ends: every router has its one result
    EXPECT_EQ(sink.jobs[0]->summary.successful, 3u);
}

TEST(JournalDamage, ALostResultComesBackInterruptedNotRunAgain) {
    temp_dir dir;
    auto inv = fanout::test::numbered_inventory(4);
    three_of_four_ran(dir, inv);
    flip_body_bit(first_segment(dir), 'R', 1);  // r2's result

    auto state = recovered(dir);
    const auto& big = resumed(state, "big");
    EXPECT_TRUE(big.results[0].has_value());
    EXPECT_FALSE(big.results[1].has_value());
    EXPECT_TRUE(big.results[2].has_value());
    EXPECT_TRUE(big.to_run.empty());
    EXPECT_EQ(big.interrupted, (std::vector<std::size_t>{1, 3}));
}

// Finding 15: a flipped bit in the first record (the snapshot marker of a fresh journal) lost
// every job and deleted the segment.
TEST(JournalDamage, AFlippedBitInTheFirstRecordLosesNoJobAndKeepsTheEvidence) {
    temp_dir dir;
    auto inv = fanout::test::numbered_inventory(4);
    three_of_four_ran(dir, inv);
    auto path = first_segment(dir);
    ASSERT_EQ(fanout::testing::framed_records(read_bytes(path)).at(0).type, snapshot_marker);
    flip_body_bit(path, snapshot_marker);
    auto damaged = read_bytes(path);
    {
        journal file(dir.path());
        auto state = recover(file.take_replayed(), false);
        const auto& big = resumed(state, "big");
        EXPECT_FALSE(big.damaged);  // no job was running before the first record
        EXPECT_EQ(big.to_run, (std::vector<std::size_t>{3}));
        EXPECT_EQ(resumed(state, "later").to_run, (std::vector<std::size_t>{0, 1}));
        journal_log log(file);
        recording_sink sink;
        scheduler s({}, sink, &log);
        s.restore(std::move(state), inv);  // compacts: the damaged segment goes aside
    }
    auto aside = files_named(dir.path(), ".log.corrupt-");
    ASSERT_EQ(aside.size(), 1u);
    EXPECT_EQ(read_bytes(aside[0]), damaged);
    auto state = recovered(dir);
    EXPECT_EQ(state.resumed.size(), 2u);
}
