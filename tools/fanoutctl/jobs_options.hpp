// Options of `fanoutctl jobs`, `follow` and `watch` (issue 13), filled in by jobs_cli.cpp.
//
// Contract: plain values; defaults here are the documented defaults.
#pragma once

#include <cstdint>
#include <string>

#include "tools/fanoutctl/options.hpp"

namespace fanout::ctl {

struct jobs_options {
    std::uint64_t limit = 50;  // newest jobs to list, 1..1000 (protocol max_jobs_listed)
    std::string state;         // empty: every state
};

struct follow_options {
    std::string job_id;
    output_options output;
    bool no_progress = false;
};

}  // namespace fanout::ctl
