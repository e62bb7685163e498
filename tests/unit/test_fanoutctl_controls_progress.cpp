// fanoutctl's progress line for execution controls: the batch and canary state
// (controls_progress.hpp), fed by the result tracker's view of the canary routers.
#include <gtest/gtest.h>

#include "tools/fanoutctl/controls_progress.hpp"
#include "tools/fanoutctl/result_tracker.hpp"

using fanout::ctl::canary_progress;
using fanout::ctl::controls_view;
using fanout::ctl::format_controls;
using fanout::ctl::result_tracker;
using fanout::protocol::execution_controls;
using fanout::protocol::router_result;
using fanout::protocol::router_status;

namespace {

router_result result(const std::string& router, router_status status, std::uint32_t command = 0) {
    router_result r;
    r.router_name = router;
    r.status = status;
    r.command_index = command;
    return r;
}

}  // namespace

TEST(fanoutctl_controls_progress, nothing_without_controls) {
    EXPECT_EQ(format_controls({}), "");
}

TEST(fanoutctl_controls_progress, the_batch_shows_what_runs_once_fanoutd_said_it) {
    controls_view view;
    view.controls.max_parallel = 5;
    EXPECT_EQ(format_controls(view), " | batch at most 5 at once");
    view.running = 3;
    EXPECT_EQ(format_controls(view), " | batch 3/5 running");
    view.stopped_by = "stop_after_failures";
    EXPECT_EQ(format_controls(view), " | batch 3/5 running | stopped by stop_after_failures");
}

TEST(fanoutctl_controls_progress, the_canary_state_follows_its_routers) {
    result_tracker tracker(10);
    tracker.expect_routers({"r1", "r2", "r3", "r4", "r5"}, 2);
    controls_view view;
    view.controls.canary = 2;
    view.canary = tracker.canary(2);
    EXPECT_EQ(format_controls(view), " | canary 0/2 ok");
    tracker.add(result("r1", router_status::success, 0));
    tracker.add(result("r1", router_status::success, 1));
    tracker.add(result("r2", router_status::success, 0));  // one of its two commands
    view.canary = tracker.canary(2);
    EXPECT_EQ(format_controls(view), " | canary 1/2 ok");
    tracker.add(result("r2", router_status::success, 1));
    view.canary = tracker.canary(2);
    EXPECT_EQ(format_controls(view), " | canary passed");
    tracker.add(result("r3", router_status::failed));  // not a canary router
    EXPECT_EQ(format_controls(view), " | canary passed");
}

TEST(fanoutctl_controls_progress, a_failed_canary_router_is_named) {
    result_tracker tracker(3);
    tracker.expect_routers({"r1", "r2", "r3"}, 1);
    tracker.add(result("r2", router_status::failed));
    controls_view view;
    view.controls.canary = 2;
    view.controls.max_parallel = 1;
    view.canary = tracker.canary(2);
    EXPECT_EQ(view.canary.failed, "r2");
    EXPECT_EQ(format_controls(view), " | batch at most 1 at once | canary FAILED (r2)");
}
