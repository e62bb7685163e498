// render_pool_jobs (session 9): the pool's jobs table with a NODE column and its note at the
// limit, and the JSON form with `nodes`, `complete`, each entry's `node` and `deadline`.
#include <gtest/gtest.h>

#include "tools/fanoutctl/render_pool_jobs.hpp"

namespace {

using namespace fanout;
using namespace fanout::ctl;

pool_jobs two_daemons() {
    pool_jobs list;
    list.nodes = {"core1:5571", "core2:5572"};
    protocol::job_entry newer;
    newer.job_id = "nightly-43";
    newer.submitted_at = "2026-12-06T12:00:01.000Z";
    newer.command = "show version";
    newer.deadline = 30.0;
    protocol::job_entry older = newer;
    older.job_id = "nightly-42";
    older.submitted_at = "2026-12-06T12:00:00.000Z";
    older.deadline.reset();
    list.jobs = {{"core2:5572", newer}, {"", older}};
    list.matched = 2;
    return list;
}

TEST(FanoutctlPoolJobsRender, TableNamesEachJobsNode) {
    auto list = two_daemons();
    const auto text = format_pool_jobs_table(list);
    const auto heading = text.find("JOB   ");
    ASSERT_NE(heading, std::string::npos) << text;
    EXPECT_LT(heading, text.find("NODE")) << text;
    EXPECT_LT(text.find("NODE"), text.find("STATE")) << text;
    EXPECT_NE(text.find("nightly-43  core2:5572"), std::string::npos) << text;
    EXPECT_NE(text.find("nightly-42  ?"), std::string::npos)
        << "a daemon that did not say: " << text;
    EXPECT_EQ(text.find("newest"), std::string::npos) << text;

    list.matched = 9;
    list.more = true;
    EXPECT_NE(format_pool_jobs_table(list).find("(the newest 2 of 9 jobs on 2 daemons;"),
              std::string::npos)
        << format_pool_jobs_table(list);
    list.jobs.clear();
    EXPECT_EQ(format_pool_jobs_table(list), "no jobs on the 2 daemons that answered\n");
}

TEST(FanoutctlPoolJobsRender, JsonHasNodesCompleteAndEachEntrysNodeAndDeadline) {
    auto list = two_daemons();
    auto json = pool_jobs_to_json(list);
    EXPECT_EQ(json.at("nodes"), ordered_json({"core1:5571", "core2:5572"}));
    EXPECT_EQ(json.at("complete"), true);
    EXPECT_FALSE(json.contains("incomplete"));
    EXPECT_EQ(json.at("matched"), 2);
    EXPECT_EQ(json.at("jobs").at(0).at("node"), "core2:5572");
    EXPECT_EQ(json.at("jobs").at(0).at("deadline"), 30.0);
    EXPECT_EQ(json.at("jobs").at(1).at("node"), "");
    EXPECT_FALSE(json.at("jobs").at(1).contains("deadline"));

    list.incomplete = "no daemon answered twice in 17 requests";
    json = pool_jobs_to_json(list);
    EXPECT_EQ(json.at("complete"), false);
    EXPECT_EQ(json.at("incomplete"), list.incomplete);
}

}  // namespace
