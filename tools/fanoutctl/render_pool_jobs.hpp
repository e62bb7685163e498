// Rendering of `fanoutctl jobs` through fanout-proxy: the merged list of a pool (pool_jobs.hpp).
//
// Contract: pure. format_pool_jobs_table: the `jobs` table (render_jobs.hpp) with a NODE column
// after JOB (the daemon that has the job; `?` for one that did not say), in the list's order;
// a trailing note when older jobs were left out (`the newest N of M jobs on K daemons`), and
// "no jobs on the K daemons that answered" for an empty list. pool_jobs_to_json: as
// jobs_to_json, plus `nodes` (the daemons that answered, in order), `complete` (false when
// listing stopped early; then `incomplete` says why) and a `node` in every entry.
#pragma once

#include <string>

#include "tools/fanoutctl/pool_jobs.hpp"
#include "tools/fanoutctl/render_json.hpp"

namespace fanout::ctl {

std::string format_pool_jobs_table(const pool_jobs& list);
ordered_json pool_jobs_to_json(const pool_jobs& list);

}  // namespace fanout::ctl
