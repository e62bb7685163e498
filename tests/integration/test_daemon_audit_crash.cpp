// The audit trail across kill -9 (docs/audit.md, "Crash semantics"), with --state-dir and
// --audit-log. A job running at the kill, resumed by the restart, gets exactly one job_end (at
// its real end, after the restart); a job that ended before the kill keeps its one job_end; no
// restart writes one again. A job whose job_end was held in memory at the kill (the audit file's
// file system full, a small tmpfs: needs root, skipped otherwise) gets it at the restart, marked
// "recovered": true, and only once, however often fanoutd restarts after that.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/mount.h>
#include <unistd.h>

#include <fcntl.h>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "tests/support/audit_records.hpp"
#include "tests/support/disk_full.hpp"
#include "tests/support/fanout_harness.hpp"

using namespace fanout::testing;
namespace p = fanout::protocol;
using nlohmann::json;

namespace {

// The job's aggregate once it has ended (`result` answers status while it runs).
p::job_result ended(client& jobs, const std::string& id) {
    auto deadline = std::chrono::steady_clock::now() + 120s;
    while (std::chrono::steady_clock::now() < deadline) {
        auto reply = jobs.request(p::result_request{id});
        if (auto* job = std::get_if<p::job_result>(&reply)) return *job;
        expect_reply<p::pong_reply>(jobs.request(p::ping_request{}));  // paces the polling
    }
    throw std::runtime_error("job " + id + " did not end");
}

// Appends a JSON line (no `event`) that ends `file` at a page boundary: tmpfs then has no room
// left in its last page, and the next record needs a page of its own.
void pad_to_page(const std::string& file) {
    const auto size = std::filesystem::file_size(file);
    auto pad = 4096 - size % 4096;
    if (pad < 16) pad += 4096;
    std::ofstream(file, std::ios::app) << "{\"pad\":\"" << std::string(pad - 11, 'p') << "\"}\n";
}

}  // namespace

TEST(daemon_audit_crash, a_job_running_at_kill_9_gets_exactly_one_job_end_after_the_restart) {
    temp_dir dir;
    constexpr int routers = 60;
    // ~150 ms per router and 4 workers: the big job runs for seconds.
    fleet served(dir, routers, {"--latency-ms", "100", "--jitter-ms", "100"});
    const auto audit = dir.file("audit.jsonl");
    const args daemon_args{"--state-dir", dir.file("state"), "--audit-log",
                           audit,         "--workers",       "4"};
    {
        fanoutd_process first(dir, served.devices_json(), served.known_hosts(), daemon_args);
        client jobs(first.jobs());
        subscriber results(first.results(), "result.big.");
        results.sync(jobs, "r1");
        expect_reply<p::job_result>(jobs.request(submit_of("small", "show version", {"r1"})));
        expect_reply<p::accepted_reply>(jobs.request(
            submit_of("big", "show version", router_names(1, routers), /*wait=*/false)));
        for (int seen = 0; seen < 10;) {  // results are flowing
            auto m = results.next(60s);
            ASSERT_TRUE(m) << "no router_result before the kill";
            seen += std::holds_alternative<p::router_result>(*m);
        }
        EXPECT_EQ(first.process().stop(SIGKILL), 128 + SIGKILL);
    }
    EXPECT_TRUE(records_for(records_of(audit), "job_end", "big").empty())
        << "big ended before the kill";
    for (int life = 2; life <= 3; ++life) {  // the third start must not write anything again
        fanoutd_process again(dir, served.devices_json(), served.known_hosts(), daemon_args);
        client jobs(again.jobs());
        auto big = ended(jobs, "big");
        EXPECT_EQ(big.summary.total, static_cast<std::uint64_t>(routers));
        if (life == 2)
            expect_reply<p::job_result>(jobs.request(submit_of("later", "show version", {"r2"})));
        EXPECT_EQ(again.process().stop(SIGTERM, 60s), 0);
    }
    const auto records = records_of(audit);
    for (const std::string id : {"small", "big", "later"}) {
        EXPECT_EQ(records_for(records, "submit", id).size(), 1u) << id << "\n" << read_text(audit);
        ASSERT_EQ(records_for(records, "job_end", id).size(), 1u) << id << "\n" << read_text(audit);
        EXPECT_FALSE(records_for(records, "job_end", id)[0].contains("recovered")) << id;
    }
    const auto big_end = records_for(records, "job_end", "big")[0];
    EXPECT_EQ(big_end.at("state"), "done");
    EXPECT_EQ(big_end.at("total"), routers);
    EXPECT_EQ(big_end.at("submitted_by"), "local");
}

TEST(daemon_audit_crash, a_job_end_held_in_memory_at_kill_9_is_written_at_the_restart_once) {
    temp_dir dir;
    small_tmpfs audit_fs(dir.file("audit"), "1m");
    if (!audit_fs.mounted()) GTEST_SKIP() << "mounting a tmpfs needs root";
    // Answers take seconds: the disk is filled after the submit record, before the job ends.
    fleet served(dir, 2, {"--latency-ms", "3000"});
    const auto audit = dir.file("audit/audit.jsonl");
    const auto log = dir.file("fanoutd.log");
    const args daemon_args{"--state-dir", dir.file("state"), "--audit-log", audit};
    {
        fanoutd_process first(dir, served.devices_json(), served.known_hosts(), daemon_args,
                              {{}, log});
        client jobs(first.jobs());
        expect_reply<p::accepted_reply>(
            jobs.request(submit_of("owed", "show version", {"r1", "r2"}, /*wait=*/false)));
        pad_to_page(audit);
        ASSERT_EQ(std::filesystem::file_size(audit) % 4096, 0u);
        audit_fs.fill(dir.file("audit/filler"));
        EXPECT_EQ(ended(jobs, "owed").summary.successful, 2u);
        // The job_end append is on the publisher thread, after the job's end: wait for its
        // failure in the log.
        auto deadline = std::chrono::steady_clock::now() + 60s;
        while (read_text(log).find("cannot write") == std::string::npos &&
               std::chrono::steady_clock::now() < deadline)
            expect_reply<p::pong_reply>(jobs.request(p::ping_request{}));
        ASSERT_NE(read_text(log).find("cannot write"), std::string::npos) << read_text(log);
        EXPECT_EQ(first.process().stop(SIGKILL), 128 + SIGKILL);
    }
    EXPECT_TRUE(records_for(records_of(audit), "job_end", "owed").empty());
    std::filesystem::remove(dir.file("audit/filler"));  // room again
    for (int life = 2; life <= 3; ++life) {
        fanoutd_process again(dir, served.devices_json(), served.known_hosts(), daemon_args,
                              {{}, log});
        client jobs(again.jobs());
        EXPECT_EQ(ended(jobs, "owed").summary.successful, 2u);
        EXPECT_EQ(again.process().stop(SIGTERM, 60s), 0);
    }
    const auto records = records_of(audit);
    EXPECT_EQ(records_for(records, "submit", "owed").size(), 1u) << read_text(audit);
    const auto ends = records_for(records, "job_end", "owed");
    ASSERT_EQ(ends.size(), 1u) << read_text(audit);
    EXPECT_EQ(ends[0].value("recovered", false), true);
    EXPECT_EQ(ends[0].at("state"), "done");
    EXPECT_EQ(ends[0].at("successful"), 2);
    EXPECT_EQ(ends[0].at("routers"), 2);
    EXPECT_EQ(ends[0].at("submitted_by"), "local");
    EXPECT_GT(ends[0].at("duration").get<double>(), 2.0);  // the job's, not the restart's
}
