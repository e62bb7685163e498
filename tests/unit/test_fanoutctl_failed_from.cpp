// Unit tests of `run --failed-from`'s plan: failed and cancelled routers once each, in job
// order, with the job's commands.
#include <gtest/gtest.h>

#include "tools/fanoutctl/failed_from.hpp"

namespace {

using namespace fanout;
using protocol::router_status;

protocol::router_result result(std::string router, std::uint32_t index, router_status status) {
    protocol::router_result r;
    r.router_name = std::move(router);
    r.command_index = index;
    r.status = status;
    return r;
}

TEST(failed_from, failed_and_cancelled_routers_once_each_in_job_order) {
    protocol::job_result job;
    job.summary.commands = {"show version", "show system uptime"};
    job.results = {
        result("r3", 0, router_status::success),   result("r3", 1, router_status::failed),
        result("r1", 0, router_status::failed),    result("r1", 1, router_status::failed),
        result("r2", 0, router_status::success),   result("r2", 1, router_status::success),
        result("r9", 0, router_status::cancelled), result("r9", 1, router_status::cancelled)};
    const auto plan = ctl::rerun_of(job);
    EXPECT_EQ(plan.routers, (std::vector<std::string>{"r3", "r1", "r9"}));
    EXPECT_EQ(plan.commands, job.summary.commands);
}

TEST(failed_from, a_clean_job_has_nothing_to_rerun) {
    protocol::job_result job;
    job.summary.commands = {"show version"};
    job.results = {result("r1", 0, router_status::success)};
    EXPECT_TRUE(ctl::rerun_of(job).routers.empty());
}

}  // namespace
