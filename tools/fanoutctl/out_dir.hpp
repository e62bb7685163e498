// `--out-dir DIR` (clush --outdir, pssh -o): one file per router and the job's aggregate.
//
// Contract: write_out_dir creates DIR (and its parents) when missing and writes, for every
// router of the ended job, DIR/<file> with its stdout (every command's, in command order, as
// the router sent it) and, when it has stderr or a result that did not succeed,
// DIR/<file>.err with its stderr and one `fanoutctl: [<command>] FAILED <kind>: <message>`
// line per such result; a stale <file>.err from an earlier run is removed. DIR/job.json is the
// job_result as one JSON object (the --json form). Files are replaced, never followed through
// a symlink. <file> is the router name with `%`, `/`, a leading `.`, and the last `.` of a name
// that would end in `.err` or be `job.json`, percent-encoded (`%25`, `%2F`, `%2E`): no name
// escapes DIR or lands on another router's file or on job.json. Returns the problems, one
// sentence each (empty: every file written).
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "protocol/messages.hpp"

namespace fanout::ctl {

std::string out_dir_file_name(std::string_view router_name);

// Creates DIR (and parents) when missing, before a job is submitted; the problem, or empty.
std::string prepare_out_dir(const std::string& dir);

std::vector<std::string> write_out_dir(const std::string& dir, const protocol::job_result& job);

}  // namespace fanout::ctl
