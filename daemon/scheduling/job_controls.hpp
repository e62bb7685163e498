// A job's execution controls as a state machine: which of its routers may start now, and
// whether its failures stop it (submit's max_parallel, stop_after_failures, max_fail_percent,
// canary; PROTOCOL.md and docs/execution-controls.md).
//
// Contract (plain data, no lock, no I/O; the scheduler calls it under its mutex):
// - Routers are the job's indexes 0..n-1 in request order. A router *fails* when any of its
//   commands gets a result with status `failed` (any error kind, `interrupted` after a restart
//   included); it *succeeds* when all of its commands' results are in and none failed.
//   `cancelled` results are neither. router_failed() counts a router once, however many of its
//   commands fail.
// - may_start(i, running): false once stopped; false while `running` (this job's routers in
//   flight) has reached max_parallel; false for a router past the canary (i >= canary) until
//   every canary router succeeded. Nothing else: the per-router session cap and fairness across
//   jobs stay the scheduler's.
// - The job stops at most once, on the first of: a canary router fails before the canary
//   passed (rule `canary`); failed routers reach stop_after_failures; failed routers reach
//   max_fail_percent of the job's routers (failed * 100 >= percent * n), cancelled routers
//   included in n. It stops only while some of its routers have not started (a rule reached
//   later has nothing left to stop). router_failed() returns the rule at the moment the job
//   stops, nullopt otherwise; reason() then says why, for the results of the routers that never
//   start. Failures after the stop are still counted.
// - With canary >= n every router is a canary: the job runs as without it, but stops on the
//   first failure.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "protocol/messages.hpp"

namespace fanout::daemon {

enum class stop_rule { stop_after_failures, max_fail_percent, canary };
std::string_view to_string(stop_rule rule);
std::optional<stop_rule> stop_rule_from(std::string_view name);

class job_controls {
  public:
    job_controls() = default;  // no controls: every router may start, nothing stops the job
    job_controls(const protocol::execution_controls& controls, std::size_t routers);

    bool active() const { return spec_.any(); }
    const protocol::execution_controls& spec() const { return spec_; }

    bool may_start(std::size_t router, std::size_t running) const;
    // The first router that cannot start only for the canary: routers from here on wait.
    std::size_t canary_routers() const { return canary_; }

    // `name` only words the reason. `routers_waiting`: some of the job's routers have not
    // started; a rule reached when none has any more stops nothing and is not reported.
    std::optional<stop_rule> router_failed(std::size_t router, std::string_view name,
                                           bool routers_waiting);
    // True when this success completes the canary (the rest may start now).
    bool router_succeeded(std::size_t router);
    // A stop known from the journal (recovery), with its journaled reason: it stays stopped.
    void mark_stopped(stop_rule rule, std::string reason);

    std::optional<stop_rule> stopped_by() const { return stopped_by_; }
    const std::string& reason() const { return reason_; }
    bool canary_passed() const { return canary_ok_ >= canary_; }
    std::size_t failed_routers() const { return failed_routers_; }

  private:
    std::optional<stop_rule> stop(stop_rule rule, std::string reason);

    protocol::execution_controls spec_;
    std::size_t routers_ = 0;
    std::size_t canary_ = 0;  // min(canary, routers); 0: none
    std::vector<char> failed_, succeeded_;
    std::size_t failed_routers_ = 0;
    std::size_t canary_ok_ = 0;
    std::optional<stop_rule> stopped_by_;
    std::string reason_;
};

}  // namespace fanout::daemon
