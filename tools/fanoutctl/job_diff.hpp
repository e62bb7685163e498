// `fanoutctl diff JOB_A JOB_B`: what changed, router by router, between two jobs' results.
//
// Contract: pure. Results are paired by router name and command index. A router's result
// compares as its state ("ok", "FAILED (kind: message)", "cancelled", "cancelled (kind:
// message)" when it has an error, e.g. `stopped` by a rule; "absent" when the job has no
// result for that command) and, when the router answered (success or a failing exit
// status), its text: output, then stderr lines as "stderr: ...", then "[output truncated]";
// byte for byte. Changed pairs are grouped by command index, state before and after and
// unified diff (line_diff.hpp, raw lines; the renderers make them safe): routers with the same
// change share one group, listed in B's job order, groups per command largest first.
// Routers in only one job are listed apart, and every router whose results all compare equal
// is `unchanged`. Router lists are in job order (B's, then A's for only_in_a).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "protocol/messages.hpp"
#include "tools/fanoutctl/line_diff.hpp"

namespace fanout::ctl {

struct diff_group {
    std::vector<std::string> routers;
    std::uint32_t command_index = 0;
    std::string command;        // B's command at that index (A's when B has none)
    std::string before, after;  // states; equal when only the text changed
    std::string diff;           // unified diff of the texts; empty when the texts are equal
};

struct job_diff {
    std::vector<diff_group> changed;
    std::vector<std::string> only_in_a, only_in_b, unchanged;
    bool commands_differ = false;  // the jobs' command lists differ
    bool any_change() const { return !changed.empty() || !only_in_a.empty() || !only_in_b.empty(); }
};

job_diff diff_jobs(const protocol::job_result& a, const protocol::job_result& b,
                   const diff_limits& limits = {});

// The text form: `--- job A` / `+++ job B`, each group as a block (dashes, `<node set>
// (<count>)  [command]  <what changed>`, dashes, the diff), then `only in A:`, `only in B:`,
// `unchanged:` lines and a count line. Terminal-safe.
std::string format_job_diff(const job_diff& diff, const std::string& a_id, const std::string& b_id);

}  // namespace fanout::ctl
