// A job's deadline in the scheduler (issue 13): seconds to milliseconds, and the content digest
// that changes only for jobs that have one.
#include <gtest/gtest.h>

#include "daemon/scheduling/job_deadline.hpp"
#include "daemon/scheduling/job_digest.hpp"

using namespace fanout::daemon;
using namespace std::chrono_literals;

TEST(job_deadline, seconds_round_up_to_whole_milliseconds) {
    EXPECT_FALSE(deadline_of(std::nullopt));
    EXPECT_EQ(*deadline_of(5.0), 5000ms);
    EXPECT_EQ(*deadline_of(0.0001), 1ms);
    EXPECT_EQ(*deadline_of(2.5004), 2501ms);
}

TEST(job_deadline, a_job_without_a_deadline_keeps_its_digest) {
    const auto base = job_digest({"show version"}, true, {"r1", "r2"}, 30s);
    EXPECT_EQ(digest_with_deadline(base, std::nullopt), base);
    // The digest of this job before `deadline` existed (job_digest's own test pins the format).
    EXPECT_EQ(base.size(), 32u);
}

TEST(job_deadline, a_deadline_is_content_and_two_deadlines_differ) {
    const auto base = job_digest({"show version"}, true, {"r1"}, 30s);
    const auto five = digest_with_deadline(base, 5000ms);
    EXPECT_NE(five, base);
    EXPECT_EQ(five.size(), 32u);
    EXPECT_EQ(five, digest_with_deadline(base, 5000ms)) << "deterministic";
    EXPECT_NE(five, digest_with_deadline(base, 6000ms));
}
