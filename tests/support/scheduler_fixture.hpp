// What the scheduler's unit tests share: a sink that keeps what the scheduler publishes, a
// job over numbered routers (numbered_inventory.hpp), and a worker's part in one call.
//
// Contract:
// - recording_sink keeps every router result and every aggregate in publication order, and
//   `order` names both ("r:JOB:ROUTER:CMD", "j:JOB") so a test can check their interleaving.
// - spec_for(inv, id, first, count, commands) is a job on routers r<first>..r<first+count-1>
//   of `inv` (each must exist) running `commands` (one: single_command); controlled_spec adds
//   execution controls.
// - finish(s, task, status) records every command of `task` as a worker would (success: output
//   "fine", exit status 0; failed: an exit_status error) and then ends the task; finish_with
//   records one given result for every command instead.
// - null_sink drops everything; scheduler_test is a gtest fixture over a scheduler with that
//   sink and routers r1..r10, for tests of what the scheduler answers (jobs, replay) rather
//   than what it publishes.
#pragma once

#include <gtest/gtest.h>

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "daemon/scheduling/scheduler.hpp"
#include "tests/support/numbered_inventory.hpp"

namespace fanout::testing {

struct recording_sink : daemon::result_sink {
    std::vector<protocol::router_result> results;
    std::vector<std::shared_ptr<const protocol::job_result>> jobs;
    std::vector<std::string> order;  // "r:<job>:<router>:<cmd>" or "j:<job>"

    void router_result_ready(const protocol::router_result& r) override {
        results.push_back(r);
        order.push_back("r:" + r.job_id + ":" + r.router_name + ":" +
                        std::to_string(r.command_index));
    }
    void job_ended(std::shared_ptr<const protocol::job_result> r) override {
        order.push_back("j:" + r->job_id);
        jobs.push_back(std::move(r));
    }
    // The aggregate of job `id`, or nullptr when it has not ended.
    const protocol::job_result* job(const std::string& id) const {
        for (const auto& j : jobs)
            if (j->job_id == id) return j.get();
        return nullptr;
    }
};

inline daemon::job_spec controlled_spec(const std::shared_ptr<const daemon::inventory>& inv,
                                        std::optional<std::string> id, int first, int count,
                                        protocol::execution_controls controls = {},
                                        std::vector<std::string> commands = {"show version"}) {
    daemon::job_spec spec;
    spec.id = std::move(id);
    spec.commands = std::move(commands);
    spec.single_command = spec.commands.size() == 1;
    spec.devices = inv;
    spec.controls = controls;
    for (int i = first; i < first + count; ++i)
        spec.routers.push_back(inv->find("r" + std::to_string(i)));
    return spec;
}

inline daemon::job_spec spec_for(const std::shared_ptr<const daemon::inventory>& inv,
                                 std::optional<std::string> id, int first, int count,
                                 std::vector<std::string> commands = {"show version"}) {
    return controlled_spec(inv, std::move(id), first, count, {}, std::move(commands));
}

inline protocol::router_result ok_result() {
    protocol::router_result r;
    r.status = protocol::router_status::success;
    r.output = "fine";
    r.exit_status = 0;
    return r;
}

inline void finish_with(daemon::scheduler& s, const daemon::router_task& t,
                        const protocol::router_result& r) {
    for (std::size_t c = 0; c < t.owner->commands.size(); ++c) s.record(t, c, r);
    s.task_finished(t);
}

inline void finish(daemon::scheduler& s, const daemon::router_task& t,
                   protocol::router_status status = protocol::router_status::success) {
    auto r = ok_result();
    r.status = status;
    if (status == protocol::router_status::failed) {
        r.exit_status = 1;
        r.error = protocol::router_error{protocol::error_kind::exit_status, "exit status 1"};
    }
    finish_with(s, t, r);
}

struct null_sink : daemon::result_sink {
    void router_result_ready(const protocol::router_result&) override {}
    void job_ended(std::shared_ptr<const protocol::job_result>) override {}
};

class scheduler_test : public ::testing::Test {
  protected:
    explicit scheduler_test(daemon::scheduler_limits limits = {}) : tasks_(limits, sink_) {}

    // Submits `spec`; the test fails unless the scheduler accepts it.
    void accept(daemon::job_spec spec) { ASSERT_EQ(tasks_.submit(std::move(spec)).index(), 0u); }
    // Takes the next task (the test fails if there is none) and finish_with's it with `r`.
    void run_one_with(const protocol::router_result& r) {
        auto task = tasks_.next_task();
        ASSERT_TRUE(task);
        finish_with(tasks_, *task, r);
    }

    std::shared_ptr<const daemon::inventory> inventory_ = fanout::test::numbered_inventory(10);
    null_sink sink_;
    daemon::scheduler tasks_;
};

}  // namespace fanout::testing
