// `fanoutctl replay` against a real fanoutd: every kept result after --since, in seq order,
// and a note on stderr when older results have expired.
#include <gtest/gtest.h>

#include <algorithm>
#include <nlohmann/json.hpp>

#include "tests/support/fanout_harness.hpp"

using namespace fanout::testing;
using fanout::protocol::job_result;

namespace {

std::vector<std::uint64_t> sorted_seqs(const job_result& job) {
    std::vector<std::uint64_t> seqs;
    for (const auto& r : job.results) seqs.push_back(r.seq);
    std::sort(seqs.begin(), seqs.end());
    return seqs;
}

}  // namespace

TEST(fanoutctl_replay, prints_the_kept_results_after_since_and_says_what_expired) {
    fleet_and_daemon setup(3, args{}, args{"--keep-jobs", "1"});
    client jobs(setup.daemon.jobs());
    auto expired = expect_reply<job_result>(
        jobs.request(submit_of("expired", "show version", router_names(1, 3))));
    auto kept = expect_reply<job_result>(
        jobs.request(submit_of("kept", "show system uptime", router_names(1, 3))));
    const auto kept_seqs = sorted_seqs(kept);
    ASSERT_GT(kept_seqs.front(), sorted_seqs(expired).back());

    child_process json(
        {FANOUTCTL_BIN, "--jobs", setup.daemon.jobs(), "replay", "--since", "0", "--json"});
    json.drain(30s);
    EXPECT_EQ(json.wait(30s), 0);
    std::vector<std::uint64_t> printed;
    for (const auto& line : json.lines()) {
        auto object = nlohmann::json::parse(line);
        EXPECT_EQ(object.at("type"), "router_result");
        EXPECT_EQ(object.at("job_id"), "kept");
        printed.push_back(object.at("seq").get<std::uint64_t>());
    }
    EXPECT_EQ(printed, kept_seqs) << "every kept result, in seq order";

    child_process text(
        {FANOUTCTL_BIN, "--jobs", setup.daemon.jobs(), "replay", "--since", "0", "--brief"},
        child_process::capture::stderr_stream);
    text.wait_for_line("are no longer kept");
    text.wait_for_line("continue with --since " + std::to_string(kept_seqs.back()));
    EXPECT_EQ(text.wait(30s), 0);

    child_process unknown({FANOUTCTL_BIN, "--jobs", setup.daemon.jobs(), "replay", "--since", "0",
                           "--job", "expired"},
                          child_process::capture::stderr_stream);
    unknown.wait_for_line("not_found");
    EXPECT_EQ(unknown.wait(30s), 2);
}
