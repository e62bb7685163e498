// `--collapse` (dshbak -c, clush -b): routers whose results are byte-identical share one
// block, under their folded node set, so the few routers that differ stand out.
//
// Contract: pure. Results group per command (in command order) by status and: for a success,
// or a failure where the router answered with a failing exit status, the exact output, stderr
// and truncation; for any other failure, the error kind and message (partial output is not
// compared; --json and --out-dir keep it); for a cancelled result, nothing more. Within a
// command, successes come first, then failures, then cancelled results, the largest group
// first, ties in job order. Each group lists its routers in job order.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "protocol/messages.hpp"

namespace fanout::ctl {

struct result_group {
    std::vector<std::string> routers;      // in job order
    const protocol::router_result* first;  // the first member (points into `results`, which
                                           // must outlive the groups); stands for all
};

std::vector<result_group> collapse_results(const std::vector<protocol::router_result>& results);

// Every group as a block: a line of dashes, `<node set> (<count>)` with the status and
// failure detail (and `[command]` in multi-command jobs), dashes, then the output once, as
// terminal-safe lines (stderr lines as `stderr: ...`). `brief`: the heading lines only.
std::string format_collapsed(const protocol::job_result& job, bool brief = false);

}  // namespace fanout::ctl
