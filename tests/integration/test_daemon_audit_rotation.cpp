// Rotating the audit file (docs/audit.md, "Rotation"): logrotate renames --audit-log and sends
// SIGHUP; fanoutd opens the file again by its path. Records written before the SIGHUP are in the
// renamed file, the ones after it in the new one (0600), every record exactly once. A new file
// that fails the checks (here: mode 0644) leaves fanoutd writing to the file it had open, with
// an error in its log; the next SIGHUP after the fix takes.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/stat.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <functional>
#include <nlohmann/json.hpp>
#include <sstream>

#include "tests/support/audit_records.hpp"
#include "tests/support/fanout_harness.hpp"

using namespace fanout::testing;
namespace p = fanout::protocol;
using nlohmann::json;

namespace {

// "event job_id" of every record naming a job, sorted (a short job's job_end may come before
// its submit: docs/audit.md, "Order").
std::vector<std::string> events_of(const std::string& path) {
    std::vector<std::string> out;
    for (const auto& r : records_of(path))
        out.push_back(r.at("event").get<std::string>() + " " + r.value("job_id", std::string()));
    std::sort(out.begin(), out.end());
    return out;
}

// Asks fanoutd for a pong between looks, so the wait is paced by requests, never a sleep.
bool eventually(client& jobs, const std::function<bool()>& done) {
    auto deadline = std::chrono::steady_clock::now() + 60s;
    while (std::chrono::steady_clock::now() < deadline) {
        if (done()) return true;
        expect_reply<p::pong_reply>(jobs.request(p::ping_request{}));
    }
    return false;
}

// Runs job `id`, then waits for its job_end in `file`: the publisher thread writes it after the
// reply may have gone out, and a rename or SIGHUP before that would move it to the next file.
void run(client& jobs, const std::string& id, const std::string& file) {
    auto done = expect_reply<p::job_result>(jobs.request(submit_of(id, "show version", {"r1"})));
    EXPECT_EQ(done.summary.successful, 1u) << id;
    const auto line = "job_end " + id;
    EXPECT_TRUE(eventually(
        jobs,
        [&] {
            try {
                const auto events = events_of(file);
                return std::find(events.begin(), events.end(), line) != events.end();
            } catch (const nlohmann::json::exception&) {  // a line half written: look again
                return false;
            }
        }))
        << line << " never reached " << file;
}

}  // namespace

TEST(daemon_audit_rotation, sighup_reopens_the_file_and_every_record_lands_exactly_once) {
    temp_dir dir;
    fleet routers(dir, 2);
    const auto audit = dir.file("audit.jsonl");
    const auto log = dir.file("fanoutd.log");
    fanoutd_process d(dir, routers.devices_json(), routers.known_hosts(), {"--audit-log", audit},
                      {{}, log});
    client jobs(d.jobs());
    run(jobs, "before", audit);
    std::filesystem::rename(audit, audit + ".1");  // logrotate's rename
    run(jobs, "between", audit + ".1");            // before the SIGHUP: the renamed file
    ASSERT_EQ(::kill(d.process().pid(), SIGHUP), 0);
    ASSERT_TRUE(eventually(jobs, [&] { return std::filesystem::exists(audit); }));
    run(jobs, "after", audit);
    EXPECT_EQ(events_of(audit + ".1"),
              (std::vector<std::string>{"job_end before", "job_end between", "submit before",
                                        "submit between"}));
    EXPECT_EQ(events_of(audit), (std::vector<std::string>{"job_end after", "submit after"}));
    struct stat st {};
    ASSERT_EQ(::stat(audit.c_str(), &st), 0);
    EXPECT_EQ(st.st_mode & 07777, 0600u);

    // A new file open to others is refused: fanoutd keeps writing to the one it had open.
    std::filesystem::rename(audit, audit + ".2");
    std::ofstream(audit).flush();
    ::chmod(audit.c_str(), 0644);
    ASSERT_EQ(::kill(d.process().pid(), SIGHUP), 0);
    ASSERT_TRUE(eventually(
        jobs, [&] { return read_text(log).find("cannot reopen it") != std::string::npos; }));
    EXPECT_NE(read_text(log).find("chmod 600"), std::string::npos) << read_text(log);
    run(jobs, "kept", audit + ".2");
    EXPECT_EQ(read_text(audit), "");
    EXPECT_EQ(events_of(audit + ".2"), (std::vector<std::string>{"job_end after", "job_end kept",
                                                                 "submit after", "submit kept"}));
    // Fixed: the next SIGHUP takes.
    ::chmod(audit.c_str(), 0600);
    ASSERT_EQ(::kill(d.process().pid(), SIGHUP), 0);
    ASSERT_TRUE(eventually(jobs, [&] {
        auto text = read_text(log);
        auto reopened = text.rfind("reopened");
        return reopened != std::string::npos && reopened > text.rfind("cannot reopen it");
    }));
    run(jobs, "fixed", audit);
    EXPECT_EQ(events_of(audit), (std::vector<std::string>{"job_end fixed", "submit fixed"}));
    EXPECT_EQ(d.process().stop(SIGTERM, 60s), 0);
    // Nothing twice, nothing lost: each job's two records are in exactly one file.
    std::size_t total = 0;
    for (const auto* name : {".1", ".2", ""}) total += records_of(audit + name).size();
    EXPECT_EQ(total, 10u);
}
