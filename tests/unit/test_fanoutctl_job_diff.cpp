// Unit tests of `fanoutctl diff`'s comparison: pairing by router and command, grouping of
// identical changes, status changes, routers in one job only, and the text form.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "tools/fanoutctl/job_diff.hpp"

namespace {

using namespace fanout;
using namespace fanout::ctl;
using protocol::error_kind;
using protocol::router_result;
using protocol::router_status;
using names = std::vector<std::string>;

router_result ok(std::string router, std::string output, std::uint32_t index = 0) {
    router_result r;
    r.router_name = std::move(router);
    r.command_index = index;
    r.status = router_status::success;
    r.output = std::move(output);
    return r;
}

router_result failed(std::string router, error_kind kind, std::string message,
                     std::string output = "") {
    auto r = ok(std::move(router), std::move(output));
    r.status = router_status::failed;
    r.error = protocol::router_error{kind, std::move(message)};
    return r;
}

protocol::job_result job(std::vector<router_result> results,
                         std::vector<std::string> commands = {"show version"}) {
    protocol::job_result j;
    j.summary.commands = std::move(commands);
    j.results = std::move(results);
    return j;
}

TEST(job_diff, identical_jobs_have_no_change) {
    const auto a = job({ok("r1", "v1\n"), ok("r2", "v1\n")});
    const auto d = diff_jobs(a, a);
    EXPECT_FALSE(d.any_change());
    EXPECT_EQ(d.unchanged, (names{"r1", "r2"}));
}

TEST(job_diff, routers_with_the_same_change_share_a_group) {
    const auto a =
        job({ok("r1", "a\nb\n"), ok("r2", "a\nb\n"), ok("r3", "a\nb\n"), ok("r4", "a\nb\n")});
    const auto b =
        job({ok("r1", "a\nB\n"), ok("r2", "a\nb\n"), ok("r3", "a\nB\n"), ok("r4", "a\nc\n")});
    const auto d = diff_jobs(a, b);
    ASSERT_EQ(d.changed.size(), 2u);
    EXPECT_EQ(d.changed[0].routers, (names{"r1", "r3"}));  // largest group first
    EXPECT_EQ(d.changed[0].diff, "@@ -1,2 +1,2 @@\n a\n-b\n+B\n");
    EXPECT_EQ(d.changed[0].before, d.changed[0].after);
    EXPECT_EQ(d.changed[1].routers, names{"r4"});
    EXPECT_EQ(d.unchanged, names{"r2"});
    EXPECT_TRUE(d.any_change());
}

TEST(job_diff, a_status_change_is_a_change_even_without_output) {
    const auto a = job({ok("r1", "up\n"), ok("r2", "up\n")});
    const auto b = job({failed("r1", error_kind::timeout, "no answer in 2s"), ok("r2", "up\n")});
    const auto d = diff_jobs(a, b);
    ASSERT_EQ(d.changed.size(), 1u);
    EXPECT_EQ(d.changed[0].before, "ok");
    EXPECT_EQ(d.changed[0].after, "FAILED (timeout: no answer in 2s)");
    EXPECT_EQ(d.changed[0].diff, "@@ -1 +0,0 @@\n-up\n");
    const auto text = format_job_diff(d, "A", "B");
    EXPECT_NE(text.find("r1 (1)  [show version]  ok -> FAILED (timeout: no answer in 2s)"),
              std::string::npos)
        << text;
}

TEST(job_diff, a_cancelled_result_with_a_reason_shows_it_like_a_failure) {
    auto stopped = ok("r1", "");
    stopped.status = router_status::cancelled;
    stopped.error = protocol::router_error{error_kind::stopped,
                                           "not started: the job was stopped by its rule canary"};
    auto bare = ok("r2", "");
    bare.status = router_status::cancelled;  // a cancel: no error object
    const auto a = job({ok("r1", "up\n"), ok("r2", "up\n")});
    const auto d = diff_jobs(a, job({stopped, bare}));
    ASSERT_EQ(d.changed.size(), 2u);
    EXPECT_EQ(d.changed[0].after,
              "cancelled (stopped: not started: the job was stopped by its rule canary)");
    EXPECT_EQ(d.changed[1].after, "cancelled");
    const auto text = format_job_diff(d, "A", "B");
    EXPECT_NE(text.find("r1 (1)  [show version]  ok -> cancelled (stopped: not started: the job "
                        "was stopped by its rule canary)"),
              std::string::npos)
        << text;
}

TEST(job_diff, a_failing_exit_status_compares_the_router_answer) {
    const auto a = job({failed("r1", error_kind::exit_status, "exit status 1", "error: x\n")});
    const auto b = job({failed("r1", error_kind::exit_status, "exit status 1", "error: y\n")});
    const auto d = diff_jobs(a, b);
    ASSERT_EQ(d.changed.size(), 1u);
    EXPECT_EQ(d.changed[0].diff, "@@ -1 +1 @@\n-error: x\n+error: y\n");
}

TEST(job_diff, stderr_and_truncation_are_part_of_the_text) {
    auto with_stderr = ok("r1", "v\n");
    with_stderr.stderr_output = "warning\n";
    auto cut = ok("r2", "v\n");
    cut.truncated = true;
    const auto d = diff_jobs(job({ok("r1", "v\n"), ok("r2", "v\n")}), job({with_stderr, cut}));
    ASSERT_EQ(d.changed.size(), 2u);
    EXPECT_NE(d.changed[0].diff.find("+stderr: warning"), std::string::npos);
    EXPECT_NE(d.changed[1].diff.find("+[output truncated]"), std::string::npos);
}

TEST(job_diff, routers_in_one_job_only_are_listed_apart) {
    const auto a = job({ok("r1", "v\n"), ok("r2", "v\n"), ok("r5", "v\n")});
    const auto b = job({ok("r1", "v\n"), ok("r3", "v\n"), ok("r4", "v\n")});
    const auto d = diff_jobs(a, b);
    EXPECT_TRUE(d.changed.empty());
    EXPECT_EQ(d.only_in_a, (names{"r2", "r5"}));
    EXPECT_EQ(d.only_in_b, (names{"r3", "r4"}));
    EXPECT_TRUE(d.any_change());
    const auto text = format_job_diff(d, "A", "B");
    EXPECT_NE(text.find("only in A: r[2,5] (2)\n"), std::string::npos) << text;
    EXPECT_NE(text.find("only in B: r[3-4] (2)\n"), std::string::npos) << text;
    EXPECT_NE(text.find("unchanged: r1 (1)\n"), std::string::npos) << text;
}

TEST(job_diff, multi_command_jobs_compare_per_command) {
    const std::vector<std::string> commands{"show version", "show system uptime"};
    const auto a = job(
        {ok("r1", "v1\n", 0), ok("r1", "up 1\n", 1), ok("r2", "v1\n", 0), ok("r2", "up 1\n", 1)},
        commands);
    const auto b = job(
        {ok("r1", "v1\n", 0), ok("r1", "up 2\n", 1), ok("r2", "v2\n", 0), ok("r2", "up 2\n", 1)},
        commands);
    const auto d = diff_jobs(a, b);
    ASSERT_EQ(d.changed.size(), 2u);
    EXPECT_EQ(d.changed[0].command_index, 0u);
    EXPECT_EQ(d.changed[0].routers, names{"r2"});
    EXPECT_EQ(d.changed[1].command_index, 1u);
    EXPECT_EQ(d.changed[1].command, "show system uptime");
    EXPECT_EQ(d.changed[1].routers, (names{"r1", "r2"}));
    EXPECT_TRUE(d.unchanged.empty());
    EXPECT_FALSE(d.commands_differ);
}

TEST(job_diff, a_missing_command_result_is_absent) {
    const auto a = job({ok("r1", "v\n", 0)}, {"show version"});
    const auto b = job({ok("r1", "v\n", 0), ok("r1", "up\n", 1)}, {"show version", "show uptime"});
    const auto d = diff_jobs(a, b);
    ASSERT_EQ(d.changed.size(), 1u);
    EXPECT_EQ(d.changed[0].before, "absent");
    EXPECT_EQ(d.changed[0].after, "ok");
    EXPECT_TRUE(d.commands_differ);
}

TEST(job_diff, text_is_terminal_safe) {
    const auto d = diff_jobs(job({ok("r1", "a\n")}), job({ok("r1", "\x1b[31mred\n")}));
    const auto text = format_job_diff(d, "A", "B");
    EXPECT_EQ(text.find('\x1b'), std::string::npos);
    EXPECT_NE(text.find("+?[31mred"), std::string::npos) << text;
}

}  // namespace
