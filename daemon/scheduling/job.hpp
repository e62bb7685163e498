// A job as the scheduler tracks it, and the unit of work a worker takes: one router of a job.
//
// Contract: everything but `cancelled` is guarded by the scheduler's mutex; workers only read
// the immutable part (id, commands, routers, timeout) and the `cancelled` flag.
#pragma once

#include <atomic>
#include <chrono>
#include <cstddef>
#include <deque>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "daemon/admission/inventory.hpp"
#include "daemon/scheduling/job_controls.hpp"
#include "protocol/messages.hpp"

namespace fanout::daemon {

// What intake hands the scheduler: a validated submit with routers resolved to devices.
struct job_spec {
    std::optional<std::string> id;
    std::vector<std::string> commands;
    bool single_command = true;
    std::vector<const device*> routers;
    std::shared_ptr<const inventory> devices;  // keeps `routers` valid for the job's life
    std::chrono::milliseconds timeout{60'000};
    protocol::output_format format = protocol::output_format::text;
    // Audit (issue 14): not part of the content digest.
    std::string submitted_by;               // the ZAP User-Id (CURVE key name or key), or "local"
    std::string requested_by;               // the submit's requested_by; empty: none
    protocol::execution_controls controls;  // max_parallel, stop rules, canary (job_controls.hpp)
    // Issue 13: `deadline`, each router's whole attempt, start to result; none: unbounded.
    std::optional<std::chrono::milliseconds> deadline{};
};

struct job {
    // Immutable once accepted.
    std::string id;
    std::vector<std::string> commands;
    bool single_command = true;
    std::vector<const device*> routers;
    std::shared_ptr<const inventory> devices;
    std::chrono::milliseconds timeout{60'000};
    protocol::output_format format = protocol::output_format::text;
    // Issue 13: `deadline`, each router's whole attempt, start to result; none: unbounded.
    std::optional<std::chrono::milliseconds> deadline{};
    std::chrono::steady_clock::time_point accepted_at;
    std::chrono::system_clock::time_point accepted_wall;  // for an answer to a resubmit
    std::string digest;  // job_digest() of the content, for idempotent resubmits
    std::string submitted_by, requested_by;  // audit (issue 14), as job_spec's

    // Set without the lock so in-flight routers notice a cancel quickly.
    std::atomic<bool> cancelled{false};

    // Guarded by the scheduler's mutex.
    protocol::job_state state = protocol::job_state::queued;
    std::deque<std::size_t> pending;  // router indexes not yet started
    std::size_t in_flight = 0;
    std::vector<std::optional<protocol::router_result>> results;  // router-major, then command
    std::size_t recorded = 0, successful = 0, failed = 0, cancelled_results = 0;
    // Execution controls: the state machine, and whether the job is off the ring because its
    // controls let none of its waiting routers start (back on it when one of its tasks ends).
    job_controls controls;
    bool held = false;

    std::size_t total_results() const { return routers.size() * commands.size(); }
};

struct router_task {
    std::shared_ptr<job> owner;
    std::size_t router_index = 0;

    const device& target() const { return *owner->routers[router_index]; }
};

}  // namespace fanout::daemon
