// `run --failed-from JOB`: which routers and commands re-run an ended job's failures.
//
// Contract: pure. The routers are those with at least one failed or cancelled result, once
// each, in the job's order; the commands are the job's own, in order.
#pragma once

#include <string>
#include <vector>

#include "protocol/messages.hpp"

namespace fanout::ctl {

struct rerun_plan {
    std::vector<std::string> routers;
    std::vector<std::string> commands;
};

rerun_plan rerun_of(const protocol::job_result& job);

}  // namespace fanout::ctl
