// Unit tests of fanoutctl's grouped and prefixed output: --collapse grouping (byte-identical
// output, failures by kind and message, per command, ordering) and its text, --prefix lines.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "tools/fanoutctl/collapse.hpp"
#include "tools/fanoutctl/prefix_lines.hpp"

namespace {

using namespace fanout;
using namespace fanout::ctl;
using protocol::error_kind;
using protocol::router_result;
using protocol::router_status;
using names = std::vector<std::string>;

router_result ok(std::string router, std::string output, std::uint32_t command_index = 0) {
    router_result r;
    r.router_name = std::move(router);
    r.command = command_index == 0 ? "show version" : "show system uptime";
    r.command_index = command_index;
    r.status = router_status::success;
    r.output = std::move(output);
    r.exit_status = 0;
    return r;
}

router_result failed(std::string router, error_kind kind, std::string message,
                     std::string output = "") {
    auto r = ok(std::move(router), std::move(output));
    r.status = router_status::failed;
    r.error = protocol::router_error{kind, std::move(message)};
    r.exit_status.reset();
    if (kind == error_kind::exit_status) r.exit_status = 1;
    return r;
}

protocol::job_result job_of(std::vector<router_result> results, std::size_t commands = 1) {
    protocol::job_result job;
    job.job_id = "j";
    job.summary.commands = {"show version", "show system uptime"};
    job.summary.commands.resize(commands);
    job.results = std::move(results);
    return job;
}

std::vector<names> members(const std::vector<result_group>& groups) {
    std::vector<names> out;
    for (const auto& g : groups) out.push_back(g.routers);
    return out;
}

TEST(FanoutctlCollapse, ByteIdenticalOutputsShareAGroupLargestFirst) {
    std::vector<router_result> results;
    for (int i = 1; i <= 8; ++i) results.push_back(ok("r" + std::to_string(i), "Junos: 23.4\n"));
    results[6].output = "Junos: 21.1\n";             // r7 differs
    results.push_back(ok("r9", "Junos: 23.4\n\n"));  // one more byte: not the same
    const auto groups = collapse_results(results);
    EXPECT_EQ(members(groups),
              (std::vector<names>{{"r1", "r2", "r3", "r4", "r5", "r6", "r8"}, {"r7"}, {"r9"}}));
    EXPECT_EQ(groups[1].first->output, "Junos: 21.1\n");
}

TEST(FanoutctlCollapse, FailuresGroupByKindAndMessageAfterSuccesses) {
    const auto groups = collapse_results({
        failed("r1", error_kind::auth, "authentication failed", "partial A"),
        ok("r2", "x\n"),
        failed("r3", error_kind::auth, "authentication failed", "partial B"),
        failed("r4", error_kind::timeout, "authentication failed"),
        failed("r5", error_kind::auth, "host unreachable"),
    });
    EXPECT_EQ(members(groups), (std::vector<names>{{"r2"}, {"r1", "r3"}, {"r4"}, {"r5"}}));
}

TEST(FanoutctlCollapse, ARoutersOwnErrorTextIsPartOfItsGroup) {
    const auto groups = collapse_results({
        failed("r1", error_kind::exit_status, "exit status 1", "error: syntax error: foo\n"),
        failed("r2", error_kind::exit_status, "exit status 1", "error: syntax error: foo\n"),
        failed("r3", error_kind::exit_status, "exit status 1", "error: unknown command\n"),
    });
    EXPECT_EQ(members(groups), (std::vector<names>{{"r1", "r2"}, {"r3"}}));
}

TEST(FanoutctlCollapse, EachCommandIsGroupedOnItsOwnInCommandOrder) {
    const std::vector<router_result> results = {ok("r1", "a"), ok("r1", "same", 1), ok("r2", "a"),
                                                ok("r2", "same", 1), ok("r3", "b")};
    const auto groups = collapse_results(results);
    EXPECT_EQ(members(groups), (std::vector<names>{{"r1", "r2"}, {"r3"}, {"r1", "r2"}}));
    EXPECT_EQ(groups[2].first->command_index, 1u);
}

TEST(FanoutctlCollapse, TextShowsEachOutputOnceUnderItsFoldedNodeSet) {
    std::vector<router_result> results;
    for (int i = 1; i <= 32; ++i) results.push_back(ok("r" + std::to_string(i), "same\nlines\n"));
    results[6] = failed("r7", error_kind::exit_status, "exit status 1",
                        "\nerror: syntax error, expecting <command>: foo\n");
    results[9].output = "other\x1b[2J\n";
    EXPECT_EQ(format_collapsed(job_of(results)),
              "----------------\n"
              "r[1-6,8-9,11-32] (30)\n"
              "----------------\n"
              "same\n"
              "lines\n"
              "----------------\n"
              "r10 (1)\n"
              "----------------\n"
              "other?[2J\n"
              "----------------\n"
              "r7 (1)  FAILED  exit_status: exit status 1: error: syntax error, expecting "
              "<command>: foo\n"
              "----------------\n"
              "error: syntax error, expecting <command>: foo\n");
    EXPECT_EQ(format_collapsed(job_of({failed("r1", error_kind::auth, "denied"),
                                       failed("r2", error_kind::auth, "denied")}),
                               true),
              "r[1-2] (2)  FAILED  auth: denied\n");
}

TEST(FanoutctlCollapse, MultiCommandHeadingsNameTheCommand) {
    const auto text = format_collapsed(job_of({ok("r1", "a"), ok("r1", "b", 1)}, 2), true);
    EXPECT_EQ(text, "r1 (1)  [show version]\nr1 (1)  [show system uptime]\n");
}

TEST(FanoutctlPrefix, EveryOutputLineStartsWithTheRouter) {
    auto r = ok("r1", "\nHostname: r1\r\nModel: mx960\n\n");
    r.stderr_output = "warning: x\n";
    const auto text = format_prefixed(r, false);
    EXPECT_EQ(text.out, "r1: Hostname: r1\nr1: Model: mx960\n");
    EXPECT_EQ(text.err, "r1: warning: x\n");
}

TEST(FanoutctlPrefix, FailuresGoToStderrWithTheRoutersOwnText) {
    const auto text = format_prefixed(
        failed("r2", error_kind::exit_status, "exit status 1", "error: syntax error\n"), true);
    EXPECT_EQ(text.out, "r2 [show version]: error: syntax error\n");
    EXPECT_EQ(text.err,
              "r2 [show version]: FAILED exit_status: exit status 1: error: syntax error\n");
}

}  // namespace
