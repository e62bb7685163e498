// What the progress line says about a job's execution controls (--max-parallel, --canary,
// --stop-after-failures, --max-fail-percent): the batch and the canary state.
//
// Contract: pure. format_controls() returns "" for a job without controls, else a suffix such
// as " | batch 3/5 running | canary 1/2 ok" (the running count when fanoutd's status gave one,
// else "at most 5 at once"), " | canary passed", " | canary FAILED (r2)", and
// " | stopped by stop_after_failures" once fanoutd says the job was stopped by its rule.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "protocol/messages.hpp"

namespace fanout::ctl {

// The canary routers as the client has seen them so far.
struct canary_progress {
    std::size_t routers = 0;    // K (at most the job's routers)
    std::size_t succeeded = 0;  // of them, every command ok
    std::string failed;         // the first of them seen failing; empty: none
};

struct controls_view {
    protocol::execution_controls controls;
    std::optional<std::uint64_t> running;  // from fanoutd's status, when polled
    std::string stopped_by;                // from fanoutd's status
    canary_progress canary;
};

std::string format_controls(const controls_view& view);

}  // namespace fanout::ctl
